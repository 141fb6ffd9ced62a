package dev.sluice.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.SideOutput;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.io.Sources;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The event-time example of README.md's Streaming section, with collecting sinks instead of the
 * console and a smaller count: it must compile and do what it says.
 */
class ReadmeStreamingExampleTest {
  record Click(String user, long ts) implements Serializable {}

  @Test
  void slidingWindowCountsWithLateOutput() {
    Pipeline p = Pipeline.create("clicks");
    CollectSink<Windowed<String, Long>> results = new CollectSink<>();
    CollectSink<Click> lateSink = new CollectSink<>();

    SideOutput<Click> late = SideOutput.of("late");
    Dataset<Windowed<String, Long>> perMinute = p
        .read(Sources.generator(i -> new Click("u" + i % 100, i * 10)).count(100_000))
        .withTimestamps(Click::ts, WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(5)))
        .keyBy(Click::user)
        .window(Windows.sliding(Duration.ofMinutes(1), Duration.ofSeconds(10)))
        .allowedLateness(Duration.ofSeconds(30))
        .lateElementsTo(late)
        .count();
    perMinute.write(results);
    perMinute.sideOutput(late).write(lateSink);
    JobResult r = p.run(RunOptions.streaming().withParallelism(2));

    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<Windowed<String, Long>> out = results.result();
    // 100,000 clicks 10 ms apart = 1,000 s of event time; each click is in 6 sliding windows.
    assertThat(out.stream().mapToLong(Windowed::value).sum()).isEqualTo(6 * 100_000L);
    // Clicks of a user are 1 s apart: a full one-minute window holds 60 of them.
    assertThat(out).filteredOn(w -> w.window().start() >= 0 && w.window().end() <= 1_000_000)
        .allMatch(w -> w.value() == 60, "full windows hold 60 clicks");
    assertThat(lateSink.result()).isEmpty();
  }
}
