package dev.sluice.test;

import dev.sluice.core.stream.StreamOperator;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A harness for any {@link StreamOperator}, for engine and connector developers who write their own
 * operators; users test their functions with {@link KeyedProcessFunctionHarness},
 * {@link ProcessFunctionHarness} and {@link WindowHarness}. Elements are pushed with their key as the
 * runtime's exchange would compute it (null for non-keyed operators).
 *
 * @param <O> the type of the operator's main output
 */
public final class StreamOperatorHarness<O> extends OperatorHarness<O, StreamOperatorHarness<O>> {

  private StreamOperatorHarness(StreamOperator operator, Supplier<? extends StreamOperator> factory, long startTime) {
    super(operator, factory, startTime);
  }

  /** A harness around {@code operator}, processing time starting at 0. */
  public static <O> StreamOperatorHarness<O> of(StreamOperator operator) {
    return new StreamOperatorHarness<>(Objects.requireNonNull(operator, "operator"), null, 0);
  }

  /**
   * A harness around an operator that {@code factory} creates; it can also create the fresh
   * instances {@link #snapshotAndRestoreEveryStep()} restores into.
   */
  public static <O> StreamOperatorHarness<O> of(Supplier<? extends StreamOperator> factory) {
    Objects.requireNonNull(factory, "factory");
    return new StreamOperatorHarness<>(factory.get(), factory, 0);
  }

  /** An element on input 0 with its key (null for non-keyed operators) and event time. */
  public StreamOperatorHarness<O> processElement(Object key, Object value, long timestamp) {
    return processElement(0, key, value, timestamp);
  }

  /** An element on input {@code input} (1 for the second input of a two-input operator). */
  public StreamOperatorHarness<O> processElement(int input, Object key, Object value, long timestamp) {
    step(d -> d.element(input, key, value, timestamp));
    return this;
  }

  /** Ends {@code inputs} inputs and finishes the operator. */
  public StreamOperatorHarness<O> endInputs(int inputs) {
    lastStep(d -> d.endInput(inputs));
    return this;
  }
}
