package dev.sluice.test;

import dev.sluice.api.function.ProcessFunction;
import dev.sluice.api.plan.Op;
import java.util.Objects;

/**
 * Tests a {@link ProcessFunction} in the operator that runs it in a streaming job
 * ({@code Dataset.process}): push elements with timestamps and watermarks, read the main and side
 * outputs. See {@link OperatorHarness} for reading and asserting output.
 *
 * @param <I> input type
 * @param <O> output type
 */
public final class ProcessFunctionHarness<I, O> extends OperatorHarness<O, ProcessFunctionHarness<I, O>> {

  private ProcessFunctionHarness(Op.Process op) {
    super(Operators.create(Operators.PROCESS, Op.Process.class, op), Operators.factory(Operators.PROCESS, Op.Process.class, op), 0);
  }

  public static <I, O> ProcessFunctionHarness<I, O> of(ProcessFunction<I, O> fn) {
    return new ProcessFunctionHarness<>(new Op.Process(Objects.requireNonNull(fn, "fn")));
  }

  /** One element with its event time. */
  public ProcessFunctionHarness<I, O> processElement(I value, long timestamp) {
    step(d -> d.element(null, value, timestamp));
    return this;
  }
}
