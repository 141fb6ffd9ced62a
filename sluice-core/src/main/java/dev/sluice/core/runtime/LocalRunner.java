package dev.sluice.core.runtime;

import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.PipelineRunner;
import dev.sluice.core.plan.Planner;

/** The embedded runner: runs pipelines on a pool of worker threads in this JVM. Found by ServiceLoader. */
public final class LocalRunner implements PipelineRunner {
  @Override
  public JobResult run(LogicalPlan plan, RunOptions options) {
    return new JobExecution(plan, options).run();
  }

  @Override
  public String explain(LogicalPlan plan, RunOptions options) {
    return Planner.plan(plan, options.effectiveParallelism()).explain();
  }
}
