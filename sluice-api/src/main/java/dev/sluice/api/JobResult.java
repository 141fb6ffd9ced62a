package dev.sluice.api;

import java.time.Duration;
import java.util.List;

/**
 * What a finished job reports.
 *
 * @param jobName the pipeline's name
 * @param status how it ended
 * @param duration wall time from start to the end of commit
 * @param operators records in and out per logical operator, in plan order
 * @param plan the physical plan as printed by {@code explain}
 */
public record JobResult(String jobName, Status status, Duration duration, List<OperatorMetrics> operators, String plan) {
  public JobResult {
    operators = List.copyOf(operators);
  }

  public enum Status { SUCCEEDED, FAILED, CANCELLED }

  /**
   * Counters of one logical operator, summed over its tasks' successful attempts.
   *
   * @param skipped bad records skipped (sources with the SKIP policy)
   * @param deadLettered bad records sent to the dead-letter output
   */
  public record OperatorMetrics(int id, String name, long recordsIn, long recordsOut, long skipped, long deadLettered) {}

  /** The metrics of the operator with this name, or null. */
  public OperatorMetrics operator(String name) {
    for (OperatorMetrics m : operators) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return null;
  }
}
