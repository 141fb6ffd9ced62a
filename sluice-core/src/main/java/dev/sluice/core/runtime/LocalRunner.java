package dev.sluice.core.runtime;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.PipelineRunner;
import dev.sluice.core.plan.Planner;
import java.util.concurrent.CompletableFuture;

/** The embedded runner: runs pipelines on a pool of worker threads in this JVM. Found by ServiceLoader. */
public final class LocalRunner implements PipelineRunner {
  @Override
  public JobResult run(LogicalPlan plan, RunOptions options) {
    return new JobExecution(plan, options).run();
  }

  // Interim: batch jobs on a thread of their own; the streaming runtime replaces this.
  @Override
  public JobHandle start(LogicalPlan plan, RunOptions options) {
    CompletableFuture<JobResult> future = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        future.complete(run(plan, options));
      } catch (Throwable e) {
        future.completeExceptionally(e);
      }
    }, "sluice-job-" + plan.name());
    t.setDaemon(true);
    t.start();
    return new JobHandle() {
      @Override public void cancel() { t.interrupt(); }
      @Override public JobResult await() {
        try {
          return future.join();
        } catch (java.util.concurrent.CompletionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw e;
        }
      }
      @Override public JobResult await(java.time.Duration timeout) {
        try {
          return future.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          return null;
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
      @Override public CompletableFuture<JobResult> result() { return future; }
      @Override public boolean isDone() { return future.isDone(); }
    };
  }

  @Override
  public String explain(LogicalPlan plan, RunOptions options) {
    return Planner.plan(plan, options.effectiveParallelism()).explain();
  }
}
