package dev.sluice.api.plan;

import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;

/**
 * Executes logical plans. Found with {@link java.util.ServiceLoader}: {@code sluice-core} provides
 * the local runner; a Flink runner can be another.
 */
public interface PipelineRunner {
  /** Runs the plan to completion; throws {@link dev.sluice.api.JobFailedException} if it fails. */
  default JobResult run(LogicalPlan plan, RunOptions options) {
    return start(plan, options).await();
  }

  /** Starts the plan on other threads and returns a handle to cancel or await it. */
  dev.sluice.api.JobHandle start(LogicalPlan plan, RunOptions options);

  /** The physical plan as text: stages, chains, exchanges and parallelism. */
  String explain(LogicalPlan plan, RunOptions options);
}
