package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobHandle;
import dev.sluice.api.Pipeline;
import dev.sluice.api.Timestamped;
import dev.sluice.io.Sources;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineHarnessTest {

  @Test
  void runsABoundedPipelineAndCollectsEveryOutput() {
    PipelineHarness h = PipelineHarness.create();
    Pipeline p = Pipeline.create("t");
    Dataset<String> in = p.read(TestStream.<String>create().add("a", 1).add("bb", 2).advanceWatermarkTo(5).add("ccc", 3));
    TestSink<Integer> lengths = h.collect(in.map(String::length));
    TestSink<String> upper = h.collect(in.map(String::toUpperCase));
    h.run(p);
    lengths.assertValuesInAnyOrder(1, 2, 3);
    upper.assertValuesInAnyOrder("A", "BB", "CCC");
    assertThatThrownBy(() -> upper.assertValuesInAnyOrder("A", "BB")).isInstanceOf(AssertionError.class);
    assertThat(h.options().clock()).isSameAs(h.clock());
  }

  @Test
  void timestampedCollectionsFeedPipelines() {
    PipelineHarness h = PipelineHarness.create();
    Pipeline p = Pipeline.create("t");
    TestSink<String> out = h.collect(p.read(Sources.timestamped(List.of(Timestamped.of("x", 10), Timestamped.of("y", 5)))));
    h.run(p);
    out.assertValuesInAnyOrder("x", "y");
  }

  @Test
  void aFailingJobFailsTheRun() {
    PipelineHarness h = PipelineHarness.create();
    Pipeline p = Pipeline.create("t");
    h.collect(p.read(TestStream.<Integer>create().add(0, 1)).map(x -> 10 / x));
    assertThatThrownBy(() -> h.run(p)).hasMessageContaining("/ by zero");
  }

  @Test
  void startsAnUnboundedPipelineAndCancelsItOnClose() throws Exception {
    PipelineHarness h = PipelineHarness.create();
    Pipeline p = Pipeline.create("t");
    TestSink<Long> out = h.collect(p.read(Sources.generator(i -> i)).filter(i -> i % 1000 == 0));
    JobHandle job = h.start(p);
    try {
      List<Long> got = out.awaitCount(3, PipelineHarness.DEFAULT_WAIT);
      assertThat(got).allMatch(i -> i % 1000 == 0);
    } finally {
      h.close();
    }
    assertThat(job.isDone()).isTrue();
  }
}
