package dev.sluice.core.runtime;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.PipelineRunner;
import dev.sluice.api.plan.Transform;
import dev.sluice.core.plan.Planner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded runner: runs pipelines on a pool of worker threads in this JVM. Found by ServiceLoader.
 *
 * <p>Mode selection: {@link RunOptions.Mode#STREAMING} runs on the streaming runtime;
 * {@link RunOptions.Mode#AUTO} too when any source is unbounded or the pipeline uses a
 * streaming-only operator ({@link Planner#streamingOnly}), else batch. {@link RunOptions.Mode#BATCH}
 * rejects unbounded sources; a BATCH pipeline that uses streaming-only operators over bounded input
 * runs on the streaming runtime as well (there is no batch implementation of those operators), with
 * the same results.
 */
public final class LocalRunner implements PipelineRunner {
  @Override
  public JobResult run(LogicalPlan plan, RunOptions options) {
    if (streaming(plan, options)) {
      return StreamJob.start(plan, options, StreamConfig.DEFAULT).await();
    }
    return new JobExecution(plan, options).run();
  }

  @Override
  public JobHandle start(LogicalPlan plan, RunOptions options) {
    if (streaming(plan, options)) {
      return StreamJob.start(plan, options, StreamConfig.DEFAULT);
    }
    JobExecution job = new JobExecution(plan, options);
    CompletableFuture<JobResult> future = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        future.complete(job.run());
      } catch (CancellationException e) {
        future.complete(job.cancelledResult());
      } catch (Throwable e) {
        if (job.cancelled() && job.cancelRequested()) {
          future.complete(job.cancelledResult());
        } else {
          future.completeExceptionally(e);
        }
      }
    }, "sluice-job-" + plan.name());
    t.setDaemon(true);
    t.start();
    return new LocalJobHandle(future, job::cancel);
  }

  @Override
  public String explain(LogicalPlan plan, RunOptions options) {
    return Planner.plan(plan, options.effectiveParallelism(), streaming(plan, options)).explain();
  }

  /** Whether {@code plan} runs on the streaming runtime under {@code options}. */
  public static boolean streaming(LogicalPlan plan, RunOptions options) {
    boolean unbounded = false;
    boolean streamingOps = false;
    for (Transform t : plan.transforms()) {
      if (t.op() instanceof Op.Read r && !r.source().bounded()) {
        unbounded = true;
        if (options.mode() == RunOptions.Mode.BATCH) {
          throw new IllegalArgumentException("source " + r.source().name()
              + " is unbounded; batch mode needs bounded sources: run with RunOptions.streaming()"
              + " (or RunOptions.defaults(), which picks streaming for unbounded sources)");
        }
      }
      streamingOps |= Planner.streamingOnly(t.op());
    }
    return options.mode() == RunOptions.Mode.STREAMING || options.mode() == RunOptions.Mode.MICRO_BATCH || unbounded
        || streamingOps;
  }
}
