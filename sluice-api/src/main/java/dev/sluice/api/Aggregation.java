package dev.sluice.api;

import java.io.Serializable;

/**
 * An aggregation as one object: {@code create} an accumulator, {@code accumulate} records into it,
 * {@code combine} two partial accumulators, {@code export} the result.
 *
 * <p>When {@link #canCombine()} is true the planner aggregates each partition before the shuffle
 * (map-side combine) and merges spilled partial results with {@code combine}. Accumulators may be
 * mutable: {@code accumulate} and {@code combine} may update their first argument and return it.
 * An accumulator is only ever touched by one thread at a time.
 *
 * @param <T> input record type
 * @param <A> accumulator type (must be serializable by the codec layer: it may be spilled)
 * @param <R> result type
 */
public interface Aggregation<T, A, R> extends Serializable {
  A create();

  A accumulate(A acc, T value) throws Exception;

  /** Merges {@code b} into {@code a}. Only called when {@link #canCombine()} is true. */
  A combine(A a, A b) throws Exception;

  R export(A acc) throws Exception;

  /**
   * Removes {@code b}'s contribution from {@code a} (the inverse of {@link #combine}); lets sliding
   * windows slide a running result instead of recombining every pane. Only called when
   * {@link #canDeduct()} is true.
   */
  default A deduct(A a, A b) throws Exception {
    throw new UnsupportedOperationException(name() + " cannot deduct");
  }

  default boolean canDeduct() {
    return false;
  }

  /** Whether {@link #combine} is implemented; enables map-side combining. */
  default boolean canCombine() {
    return true;
  }

  /** A short name for plans and metrics, e.g. {@code count}. */
  default String name() {
    return "aggregate";
  }
}
