package dev.sluice.api;

import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.ReduceFunction;
import dev.sluice.api.function.SerializableComparator;
import dev.sluice.api.function.ToDoubleFunction;
import dev.sluice.api.function.ToLongFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A dataset grouped by key. Keyed operations shuffle records so that equal keys meet in one task;
 * the planner adds that shuffle only where it is needed and combines before it where it can.
 */
public final class KeyedDataset<K, T> {
  private final Dataset<T> input;
  private final KeySelector<? super T, ? extends K> key;

  KeyedDataset(Dataset<T> input, KeySelector<? super T, ? extends K> key) {
    this.input = input;
    this.key = key;
  }

  public KeySelector<? super T, ? extends K> keySelector() {
    return key;
  }

  /** Aggregates the records of each key. */
  public <A, R> Dataset<KV<K, R>> aggregate(Aggregation<? super T, A, R> aggregation) {
    Objects.requireNonNull(aggregation, "aggregation");
    return input.next(aggregation.name(), new Op.Aggregate(key, aggregation));
  }

  /** Reduces the records of each key pairwise. */
  public Dataset<KV<K, T>> reduce(ReduceFunction<T> fn) {
    return aggregate(Aggregations.reducing("reduce", Objects.requireNonNull(fn, "fn")));
  }

  public Dataset<KV<K, Long>> count() {
    return aggregate(Aggregations.count());
  }

  public Dataset<KV<K, Long>> sum(ToLongFunction<? super T> fn) {
    return aggregate(Aggregations.sumLong(fn));
  }

  public Dataset<KV<K, Double>> sumDouble(ToDoubleFunction<? super T> fn) {
    return aggregate(Aggregations.sumDouble(fn));
  }

  /** The smallest record per key by {@code cmp}. */
  public Dataset<KV<K, T>> min(SerializableComparator<? super T> cmp) {
    return aggregate(Aggregations.min(cmp));
  }

  /** The largest record per key by {@code cmp}. */
  public Dataset<KV<K, T>> max(SerializableComparator<? super T> cmp) {
    return aggregate(Aggregations.max(cmp));
  }

  /** Inner join: one output per pair of records with equal keys. */
  public <U> Dataset<KV<K, Joined<T, U>>> join(KeyedDataset<K, U> right) {
    return join(right, Op.JoinType.INNER, "join");
  }

  /** Left outer join: like {@link #join}, plus each left record without a match paired with null. */
  public <U> Dataset<KV<K, Joined<T, U>>> leftJoin(KeyedDataset<K, U> right) {
    return join(right, Op.JoinType.LEFT, "leftJoin");
  }

  /** Cuts each key's records into windows; see {@link Windows} for the kinds. */
  public WindowedDataset<K, T> window(WindowSpec spec) {
    return new WindowedDataset<>(this, Objects.requireNonNull(spec, "spec"), Trigger.onTime(), 0, null);
  }

  /** Per-key processing with keyed state and timers. */
  public <R> Dataset<R> process(KeyedProcessFunction<? super K, ? super T, R> fn) {
    return input.next("keyedProcess", new Op.KeyedProcess(key, Objects.requireNonNull(fn, "fn")));
  }

  /** Pairs of records with equal keys in the same window (event time unless the spec says otherwise). */
  public <U> Dataset<Windowed<K, Joined<T, U>>> windowJoin(KeyedDataset<K, U> right, WindowSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return twoInput("windowJoin", new Op.WindowJoin(key, sameKeyOf(right).key, spec), right);
  }

  /**
   * Pairs each record with the right records of the same key whose event time lies in
   * {@code [t + lower, t + upper]} (bounds may be negative).
   */
  public <U> Dataset<KV<K, Joined<T, U>>> intervalJoin(KeyedDataset<K, U> right, Duration lower, Duration upper) {
    long lo = lower.toMillis();
    long hi = upper.toMillis();
    if (lo > hi) {
      throw new IllegalArgumentException("interval join lower bound " + lower + " is after the upper bound " + upper);
    }
    return twoInput("intervalJoin", new Op.IntervalJoin(key, sameKeyOf(right).key, lo, hi), right);
  }

  /**
   * Enriches this (possibly unbounded) dataset with a bounded one that is broadcast to every task:
   * the table is read completely first, then each record is paired with every table record of its
   * key, or with null where there is none. This dataset is not shuffled.
   */
  public <U> Dataset<KV<K, Joined<T, U>>> enrich(KeyedDataset<K, U> table) {
    return twoInput("enrich", new Op.Enrich(key, sameKeyOf(table).key), table);
  }

  <R> Dataset<R> append(String name, Op op) {
    return input.next(name, op);
  }

  private <U> KeyedDataset<K, U> sameKeyOf(KeyedDataset<K, U> right) {
    Objects.requireNonNull(right, "right");
    if (right.input.pipeline != input.pipeline) {
      throw new IllegalArgumentException("cannot join datasets of different pipelines");
    }
    return right;
  }

  private <R> Dataset<R> twoInput(String name, Op op, KeyedDataset<?, ?> right) {
    return new Dataset<>(input.pipeline, input.pipeline.add(name, op, List.of(input.id, right.input.id), 0));
  }

  private <U> Dataset<KV<K, Joined<T, U>>> join(KeyedDataset<K, U> right, Op.JoinType type, String name) {
    Objects.requireNonNull(right, "right");
    if (right.input.pipeline != input.pipeline) {
      throw new IllegalArgumentException("cannot join datasets of different pipelines");
    }
    int id = input.pipeline.add(name, new Op.Join(key, right.key, type), List.of(input.id, right.input.id), 0);
    return new Dataset<>(input.pipeline, id);
  }
}
