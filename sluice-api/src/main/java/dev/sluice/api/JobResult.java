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
 * @param stream what a streaming run measured (events, run time, end-to-end latency); null for batch runs
 */
public record JobResult(String jobName, Status status, Duration duration, List<OperatorMetrics> operators, String plan,
                        StreamStats stream) {
  public JobResult {
    operators = List.copyOf(operators);
  }

  /** A result without streaming statistics (batch runs). */
  public JobResult(String jobName, Status status, Duration duration, List<OperatorMetrics> operators, String plan) {
    this(jobName, status, duration, operators, plan, null);
  }

  /**
   * The summary of a streaming run.
   *
   * @param events records read by all sources
   * @param duration wall time from the start of the tasks to the end of input (or cancel/failure)
   * @param latencySamples records whose end-to-end latency was measured (source read to sink write); 0 if none
   * @param p50Ms median end-to-end latency in ms (NaN when nothing was measured)
   * @param p99Ms 99th percentile in ms
   * @param p999Ms 99.9th percentile in ms
   */
  public record StreamStats(long events, Duration duration, long latencySamples, double p50Ms, double p99Ms,
                            double p999Ms) {
    /** Source records per second over {@link #duration}. */
    public double eventsPerSecond() {
      long nanos = duration.toNanos();
      return nanos <= 0 ? 0 : events * 1e9 / nanos;
    }
  }

  public enum Status { SUCCEEDED, FAILED, CANCELLED }

  /**
   * Counters of one logical operator, summed over its tasks' successful attempts.
   *
   * @param skipped bad records skipped (sources with the SKIP policy)
   * @param deadLettered bad records sent to the dead-letter output
   * @param lateDropped late elements a streaming operator dropped (no side output was named for them)
   */
  public record OperatorMetrics(int id, String name, long recordsIn, long recordsOut, long skipped, long deadLettered,
                                long lateDropped) {
    public OperatorMetrics(int id, String name, long recordsIn, long recordsOut, long skipped, long deadLettered) {
      this(id, name, recordsIn, recordsOut, skipped, deadLettered, 0);
    }
  }

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
