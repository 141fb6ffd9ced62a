package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.Timestamped;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.core.stream.KeyGroups;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Regressions found by {@link EventTimePipelinePropertyTest}: bugs that only show end to end, through
 * the real streaming runtime (the operators alone passed their {@code OperatorDriver} tests).
 */
class EventTimeRegressionTest {

  /** Emits {@code value:watermark} with the watermark the operator had when the record arrived. */
  static final class WatermarkSeen extends KeyedProcessFunction<Integer, Long, String> {
    @Override
    public void processElement(Long v, Context<Integer> ctx, Collector<String> out) {
      out.collect(v + ":" + ctx.timers().currentWatermark());
    }
  }

  /**
   * A channel holding {@code [records, WATERMARK, records]} used to be drained in one duty cycle and
   * the watermark delivered after both batches, so records behind a watermark were processed before
   * it (and late data was not late, depending on timing). The script has one split, so the order is
   * fixed: each record must see exactly the watermarks declared before it.
   */
  @Test
  void recordsBehindAWatermarkInAChannelAreProcessedAfterIt() {
    List<Object> script = new ArrayList<>();
    Map<Long, Long> expected = new HashMap<>();
    long wm = Long.MIN_VALUE;
    for (long i = 0; i < 600; i++) {
      script.add(Timestamped.of(i, i * 10));
      expected.put(i, wm);
      if (i % 3 == 2) {
        wm = i * 10 - 5;
        script.add(new ScriptedSplitSource.Watermark(wm));
      }
    }
    for (int parallelism : new int[] {1, 2}) {
      List<String> got = Pipeline.create("watermark-order")
          .read(new ScriptedSplitSource<Long>(List.of(script), true, 5))
          .keyBy(x -> (int) (x % 3)).process(new WatermarkSeen())
          .collect(RunOptions.streaming().withParallelism(parallelism));
      assertThat(got).hasSize(600);
      for (String s : got) {
        String[] a = s.split(":");
        long v = Long.parseLong(a[0]);
        assertThat(Long.parseLong(a[1])).as("watermark seen by record " + v + " at parallelism " + parallelism)
            .isEqualTo(expected.get(v));
      }
    }
  }

  /**
   * Enrich's inputs are not shuffled, so the runtime passes no key; the operator used that null as
   * the key of every record and table row, pairing each record with the whole table.
   */
  @Test
  void enrichPairsRecordsWithTheTableRowsOfTheirOwnKey() {
    Pipeline p = Pipeline.create("enrich-keys");
    var stream = p.fromCollection(List.of("a1", "b1", "c1", "a2")).keyBy(s -> s.substring(0, 1));
    var table = p.fromCollection(List.of(KV.of("a", "A"), KV.of("b", "B"), KV.of("a", "A'"))).keyBy(KV::key);
    List<String> got = new ArrayList<>();
    for (KV<String, Joined<String, KV<String, String>>> kv : stream.enrich(table).collect(RunOptions.streaming().withParallelism(2))) {
      KV<String, String> row = kv.value().right();
      got.add(kv.key() + ":" + kv.value().left() + "/" + (row == null ? null : row.value()));
    }
    assertThat(got).containsExactlyInAnyOrder("a:a1/A", "a:a1/A'", "b:b1/B", "c:c1/null", "a:a2/A", "a:a2/A'");
  }

  /** Keeps the partition it was opened for in a field: shared by all tasks, the last open wins. */
  static final class RemembersItsPartition extends KeyedProcessFunction<Integer, Integer, String> {
    private int partition = -1;

    @Override
    public void open(InitContext ctx) {
      partition = ctx.partition();
    }

    @Override
    public void processElement(Integer v, Context<Integer> ctx, Collector<String> out) {
      out.collect(ctx.currentKey() + ":" + partition);
    }
  }

  /**
   * A process function is "one instance per task" (its {@code open} keeps state handles and other
   * fields), but every task used the instance the user built: at parallelism above 1 tasks overwrote
   * each other's state handles (keyed state of another task, ConcurrentModificationException).
   */
  @Test
  void everyTaskGetsItsOwnCopyOfAProcessFunction() {
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      keys.add(i);
    }
    int parallelism = 4;
    List<String> got = Pipeline.create("copies").fromCollection(keys).keyBy(k -> k).process(new RemembersItsPartition())
        .collect(RunOptions.streaming().withParallelism(parallelism));
    List<String> expected = new ArrayList<>();
    for (int k : keys) {
      expected.add(k + ":" + KeyGroups.partitionOfKey(k, KeyGroups.DEFAULT_MAX, parallelism));
    }
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
  }

  /** Not serializable: it cannot be copied per task. */
  static final class Unserializable {}

  static final class HoldsUnserializable extends KeyedProcessFunction<Integer, Integer, Integer> {
    @SuppressWarnings("unused")
    private final Unserializable field = new Unserializable();

    @Override
    public void processElement(Integer v, Context<Integer> ctx, Collector<Integer> out) {
      out.collect(v);
    }
  }

  @Test
  void aProcessFunctionThatCannotBeCopiedFailsTheJobBeforeItRunsNamingTheFunction() {
    Pipeline p = Pipeline.create("not-copyable");
    var out = p.fromCollection(List.of(1, 2, 3)).keyBy(k -> k).process(new HoldsUnserializable());
    assertThatThrownBy(() -> out.collect(RunOptions.streaming().withParallelism(2)))
        .hasMessageContaining("HoldsUnserializable")
        .hasMessageContaining("serializable");
  }
}
