package dev.sluice.api;

import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.ReduceFunction;
import dev.sluice.api.function.SerializableComparator;
import dev.sluice.api.function.ToDoubleFunction;
import dev.sluice.api.function.ToLongFunction;
import dev.sluice.api.plan.Op;
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

  private <U> Dataset<KV<K, Joined<T, U>>> join(KeyedDataset<K, U> right, Op.JoinType type, String name) {
    Objects.requireNonNull(right, "right");
    if (right.input.pipeline != input.pipeline) {
      throw new IllegalArgumentException("cannot join datasets of different pipelines");
    }
    int id = input.pipeline.add(name, new Op.Join(key, right.key, type), List.of(input.id, right.input.id), 0);
    return new Dataset<>(input.pipeline, id);
  }
}
