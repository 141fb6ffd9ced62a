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
}
