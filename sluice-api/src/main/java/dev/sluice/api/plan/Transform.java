package dev.sluice.api.plan;

import java.util.List;

/**
 * A node of the logical plan. Immutable; appended by the API, never changed afterwards.
 *
 * @param id position in {@link LogicalPlan#transforms()}
 * @param name user-given or derived name
 * @param op what it does
 * @param inputs ids of the transforms it reads (earlier ids only)
 * @param parallelism requested parallelism, 0 for the run's default
 */
public record Transform(int id, String name, Op op, List<Integer> inputs, int parallelism) {
  public Transform {
    inputs = List.copyOf(inputs);
    if (parallelism < 0) {
      throw new IllegalArgumentException("parallelism must be positive or 0 (default), was " + parallelism);
    }
  }
}
