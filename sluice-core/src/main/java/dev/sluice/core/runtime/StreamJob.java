package dev.sluice.core.runtime;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming job with checkpoints: runs attempts of {@link StreamExecution}, each restored from the
 * latest complete checkpoint, and restarts after a failure up to {@code RunOptions.maxAttempts() - 1}
 * times with {@code retryBackoff} doubling per restart. The first attempt also resumes from a
 * checkpoint left by an earlier process running the same job with the same checkpoint directory.
 *
 * <p>Thread-safety: {@link #cancel} from any thread; attempts are started by the thread that completes
 * the previous one (after the backoff).
 */
final class StreamJob {
  private static final Logger LOG = LoggerFactory.getLogger(StreamJob.class);

  private final LogicalPlan logical;
  private final RunOptions options;
  private final StreamConfig config;
  private final StreamCheckpoints checkpoints;
  private final CompletableFuture<JobResult> future = new CompletableFuture<>();
  private volatile boolean cancelled;
  private volatile JobHandle current;
  private volatile StreamExecution currentExecution;
  private int restarts;
  /** With {@code restoreFrom}: the first checkpoint id of this run; restarts use only checkpoints from it on. */
  private long firstOwnId = -1;

  private StreamJob(LogicalPlan logical, RunOptions options, StreamConfig config) {
    this.logical = logical;
    this.options = options;
    this.config = config;
    this.checkpoints = new StreamCheckpoints(logical, options.checkpointing());
  }

  /** Starts the job: without checkpoints a plain {@link StreamExecution}, with them a recovering job. */
  static JobHandle start(LogicalPlan logical, RunOptions options, StreamConfig config) {
    if (options.mode() == RunOptions.Mode.MICRO_BATCH && options.checkpointing() == null) {
      throw new IllegalArgumentException("job '" + logical.name() + "' runs in micro-batch mode, which needs a"
          + " checkpoint directory for its offset and commit logs: add RunOptions.withCheckpointing(dir, interval)"
          + " (the interval is not used; every batch is a checkpoint)");
    }
    if (options.checkpointing() == null) {
      return new StreamExecution(logical, options, config).start();
    }
    StreamCheckpoints.check(logical);
    StreamJob job = new StreamJob(logical, options, config);
    try {
      job.startAttempt();
    } catch (RuntimeException e) {
      job.checkpoints.shutdown();
      throw e;
    }
    return new LocalJobHandle(job.future, job::cancel, job::savepoint);
  }

  private void startAttempt() {
    StreamCheckpoints.Restored restored;
    java.nio.file.Path from = options.checkpointing().restoreFrom();
    try {
      if (from == null) {
        restored = checkpoints.loadLatest();
      } else if (firstOwnId < 0) {
        restored = checkpoints.loadFrom(from);
        firstOwnId = checkpoints.nextId();
        LOG.info("job '{}' starts from {}", logical.name(), from);
      } else {
        restored = checkpoints.loadLatest(firstOwnId);
        if (restored == null) {
          restored = checkpoints.loadFrom(from);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoints of job '" + logical.name() + "' in "
          + checkpoints.storage.jobDir() + ": " + e.getMessage(), e);
    }
    if (restored != null && from == null) {
      LOG.info("job '{}' resumes from checkpoint {}", logical.name(),
          checkpoints.storage.dirOf(restored.metadata().id()));
    }
    StreamExecution exec = new StreamExecution(logical, options, config, checkpoints, restored);
    JobHandle h = exec.start();
    currentExecution = exec;
    current = h;
    if (cancelled) {
      h.cancel();
    }
    h.result().whenComplete((result, error) -> {
      if (error == null) {
        checkpoints.shutdown();
        future.complete(result);
        return;
      }
      if (cancelled || restarts + 1 >= options.maxAttempts()) {
        checkpoints.shutdown();
        future.completeExceptionally(error);
        return;
      }
      restarts++;
      Duration backoff = options.retryBackoff().multipliedBy(1L << Math.min(20, restarts - 1));
      LOG.warn("job '{}' failed; restart {} of {} from its latest complete checkpoint in {} ms: {}", logical.name(),
          restarts, options.maxAttempts() - 1, backoff.toMillis(), error.getMessage());
      Thread t = new Thread(() -> {
        try {
          Thread.sleep(backoff.toMillis());
          if (cancelled) {
            future.completeExceptionally(error);
            return;
          }
          startAttempt();
        } catch (InterruptedException e) {
          future.completeExceptionally(error);
        } catch (RuntimeException e) {
          checkpoints.shutdown();
          future.completeExceptionally(e instanceof JobFailedException ? e
              : new JobFailedException("job '" + logical.name() + "' could not restart: " + e.getMessage(), e,
                  null));
        }
      }, "sluice-restart-" + logical.name());
      t.setDaemon(true);
      t.start();
    });
  }

  /** Number of restarts so far. */
  int restarts() {
    return restarts;
  }

  private java.util.concurrent.CompletableFuture<java.nio.file.Path> savepoint(java.nio.file.Path dir, boolean stop) {
    StreamExecution exec = currentExecution;
    if (exec == null || exec.checkpointAttempt == null || future.isDone()) {
      return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("job '" + logical.name()
          + "' is not running; no savepoint was taken"));
    }
    if (stop) {
      // No restart after the stop: a failure after the savepoint ends the job.
      java.util.concurrent.CompletableFuture<java.nio.file.Path> f = exec.checkpointAttempt.savepoint(dir, true);
      return f.whenComplete((p, e) -> {
        if (e == null) {
          cancelled = true;
        }
      });
    }
    return exec.checkpointAttempt.savepoint(dir, false);
  }

  private void cancel() {
    cancelled = true;
    JobHandle h = current;
    if (h != null) {
      h.cancel();
    }
  }
}
