package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobHandle;
import dev.sluice.api.Pipeline;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.io.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream sources through the streaming runtime (Pipeline.start / JobHandle.cancel)..
 */
class StreamSourcesEndToEndTest {
  @TempDir Path dir;


  @Test
  void watchedDirectoryFeedsARunningJobWithFilesCreatedAfterStart() throws Exception {
    Files.writeString(dir.resolve("0-before.txt"), "x1\nx2\n");
    try (PipelineHarness h = PipelineHarness.create()) {
      Pipeline p = Pipeline.create("watch");
      TestSink<String> out = h.collect(p.read(Sources.watchDirectory(dir.toString())
          .withPollInterval(Duration.ofMillis(10))).map(String::toUpperCase));
      JobHandle job = h.start(p);
      out.awaitCount(2, PipelineHarness.DEFAULT_WAIT);
      List<String> expected = new ArrayList<>(List.of("X1", "X2"));
      for (int f = 0; f < 3; f++) {
        Path tmp = dir.resolve(".f" + f + ".tmp");
        Files.writeString(tmp, "a" + f + "\nb" + f + "\n");
        Files.move(tmp, dir.resolve("f" + f + ".txt"), StandardCopyOption.ATOMIC_MOVE);
        expected.add("A" + f);
        expected.add("B" + f);
      }
      out.awaitCount(expected.size(), PipelineHarness.DEFAULT_WAIT);
      out.assertValuesInAnyOrder(expected);
      job.cancel();
      assertThat(job.await().status()).isEqualTo(dev.sluice.api.JobResult.Status.CANCELLED);
      assertThat(job.isDone()).isTrue();
      // Cancelling aborts the sink writers: what they wrote is withdrawn, as no commit happened.
      assertThat(out.values()).isEmpty();
    }
  }

  @Test
  void generatorTimestampsAndWatermarksDriveEventTimeWindows() {
    try (PipelineHarness h = PipelineHarness.create()) {
      Pipeline p = Pipeline.create("gen");
      // 100 records, one every 10 ms of event time: tumbling 250 ms windows hold 25 each.
      TestSink<Windowed<Long, Long>> out = h.collect(
          p.read(Sources.generator(i -> i).count(100).withTimestamps(i -> i * 10))
              .keyBy(i -> 0L).window(Windows.tumbling(Duration.ofMillis(250))).count());
      h.run(p);
      out.assertValuesInAnyOrder(
          new Windowed<>(0L, new Window(0, 250), 25L), new Windowed<>(0L, new Window(250, 500), 25L),
          new Windowed<>(0L, new Window(500, 750), 25L), new Windowed<>(0L, new Window(750, 1000), 25L));
    }
  }
}
