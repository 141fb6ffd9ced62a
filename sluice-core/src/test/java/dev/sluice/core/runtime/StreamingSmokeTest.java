package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.SerializableComparator;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The everyday shapes on the streaming runtime over bounded input. */
class StreamingSmokeTest {
  private static final RunOptions STREAM = RunOptions.streaming().withParallelism(2);

  private static List<Integer> ints(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @Test
  void mapFilterCollect() {
    Pipeline p = Pipeline.create("s1");
    List<Integer> got = p.fromCollection(ints(10_000)).map(x -> x * 2).filter(x -> x % 3 == 0).collect(STREAM);
    assertThat(new ArrayList<>(got)).hasSize(3334).contains(0, 6, 19_998);
  }

  @Test
  void countSortJoin() {
    Pipeline p = Pipeline.create("s2");
    List<KV<Integer, Long>> counts = p.fromCollection(ints(10_000)).keyBy(x -> x % 7).count().collect(STREAM);
    assertThat(counts).hasSize(7);
    assertThat(counts.stream().mapToLong(KV::value).sum()).isEqualTo(10_000);

    List<Integer> sorted = p.fromCollection(IntStream.range(0, 5000).map(i -> 4999 - i).boxed().toList()).sortBy(SerializableComparator.<Integer>naturalOrder())
        .collect(STREAM);
    assertThat(sorted).isEqualTo(ints(5000));

    var left = p.fromCollection(ints(100)).keyBy(x -> x % 10);
    var right = p.fromCollection(ints(10)).keyBy(x -> x);
    assertThat(left.join(right).collect(STREAM)).hasSize(100);
  }

  @Test
  void resultCarriesStreamStats() {
    Pipeline p = Pipeline.create("s3");
    dev.sluice.api.internal.CollectSink<Integer> sink = new dev.sluice.api.internal.CollectSink<>();
    p.fromCollection(ints(50_000)).map(x -> x + 1).write(sink);
    JobResult r = p.run(STREAM);
    assertThat(sink.result()).hasSize(50_000);
    assertThat(r.stream()).isNotNull();
    assertThat(r.stream().events()).isEqualTo(50_000);
    assertThat(r.stream().latencySamples()).isEqualTo(50_000);
    assertThat(r.plan()).contains("Mode: streaming");
  }
}
