package dev.sluice.api.plan;

import dev.sluice.api.Aggregation;
import dev.sluice.api.function.FilterFunction;
import dev.sluice.api.function.FlatMapFunction;
import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.MapFunction;
import dev.sluice.api.function.SerializableComparator;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.source.Source;

/** What a {@link Transform} does. The logical plan's vocabulary; runners translate it. */
public sealed interface Op {
  /** A short label for plans, e.g. {@code map} or {@code aggregate(count)}. */
  String label();

  record Read(Source<?> source) implements Op {
    public String label() { return "read(" + source.name() + ")"; }
  }

  /** The dead-letter side output of the Read transform that is this transform's input. */
  record DeadLetters() implements Op {
    public String label() { return "deadLetters"; }
  }

  record Map(MapFunction<?, ?> fn) implements Op {
    public String label() { return "map"; }
  }

  record Filter(FilterFunction<?> fn) implements Op {
    public String label() { return "filter"; }
  }

  record FlatMap(FlatMapFunction<?, ?> fn) implements Op {
    public String label() { return "flatMap"; }
  }

  record Union() implements Op {
    public String label() { return "union"; }
  }

  /** Redistributes records round-robin over the downstream partitions. */
  record Rebalance() implements Op {
    public String label() { return "rebalance"; }
  }

  /** Groups by key and aggregates; emits {@code KV<key, result>}. */
  record Aggregate(KeySelector<?, ?> key, Aggregation<?, ?, ?> aggregation) implements Op {
    public String label() { return "aggregate(" + aggregation.name() + ")"; }
  }

  /** Joins input 0 (left) with input 1 (right) on equal keys; emits {@code KV<key, Joined<l, r>>}. */
  record Join(KeySelector<?, ?> leftKey, KeySelector<?, ?> rightKey, JoinType type) implements Op {
    public String label() { return type.name().toLowerCase(java.util.Locale.ROOT) + "Join"; }
  }

  /** Total order over all partitions: range partitioning on sampled boundaries, then a local sort. */
  record Sort(SerializableComparator<?> comparator) implements Op {
    public String label() { return "sort"; }
  }

  record Write(Sink<?> sink) implements Op {
    public String label() { return "write(" + sink.name() + ")"; }
  }

  enum JoinType { INNER, LEFT }

  // ---- streaming (event time, windows, state) ----

  /**
   * Assigns event timestamps and generates watermarks, per input split when it follows a read.
   * A null assigner keeps the timestamps the source attached.
   */
  record Timestamps(dev.sluice.api.time.TimestampAssigner<?> assigner,
                    dev.sluice.api.time.WatermarkStrategy<?> watermarks) implements Op {
    public String label() { return "timestamps"; }
  }

  /**
   * Keyed windows. Exactly one of {@code aggregation} and {@code function} is set. Emits
   * {@code Windowed<key, result>} for an aggregation, the function's output otherwise.
   *
   * @param lateTag the side output for late elements, or null (counted and logged)
   */
  record Window(KeySelector<?, ?> key, dev.sluice.api.window.WindowSpec spec, dev.sluice.api.window.Trigger trigger,
                long allowedLatenessMs, String lateTag, Aggregation<?, ?, ?> aggregation,
                dev.sluice.api.window.WindowFunction<?, ?, ?> function) implements Op {
    public String label() {
      return "window(" + spec.kind().name().toLowerCase(java.util.Locale.ROOT) + ", "
          + (aggregation != null ? aggregation.name() : "process") + ")";
    }
  }

  /** The side output {@code tag} of the transform that is this transform's input. */
  record SideOutput(String tag) implements Op {
    public String label() { return "sideOutput(" + tag + ")"; }
  }

  record Process(dev.sluice.api.function.ProcessFunction<?, ?> function) implements Op {
    public String label() { return "process"; }
  }

  /** Keyed process function with keyed state and timers. */
  record KeyedProcess(KeySelector<?, ?> key, dev.sluice.api.function.KeyedProcessFunction<?, ?, ?> function) implements Op {
    public String label() { return "keyedProcess"; }
  }

  /** Joins input 0 and 1 per key and window; emits {@code Windowed<key, Joined<l, r>>} per pair. */
  record WindowJoin(KeySelector<?, ?> leftKey, KeySelector<?, ?> rightKey, dev.sluice.api.window.WindowSpec spec) implements Op {
    public String label() { return "windowJoin"; }
  }

  /**
   * Joins each left record with the right records of the same key whose timestamps lie in
   * {@code [left + lowerMs, left + upperMs]}; emits {@code KV<key, Joined<l, r>>} stamped with the later timestamp.
   */
  record IntervalJoin(KeySelector<?, ?> leftKey, KeySelector<?, ?> rightKey, long lowerMs, long upperMs) implements Op {
    public String label() { return "intervalJoin"; }
  }

  /**
   * Enriches stream input 0 with bounded input 1, which is broadcast to every task and read
   * completely before the first stream record is joined; emits {@code KV<key, Joined<l, r>>}, with a
   * null right side where the key has no match (one output per match otherwise).
   */
  record Enrich(KeySelector<?, ?> leftKey, KeySelector<?, ?> rightKey) implements Op {
    public String label() { return "enrich"; }
  }
}
