package dev.sluice.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A running job, returned by {@link Pipeline#start}. Thread-safe: any thread may cancel or wait.
 *
 * <p>A streaming job over unbounded sources runs until it is cancelled or fails; a job over bounded
 * sources ends by itself when all input has flowed through.
 */
public interface JobHandle extends AutoCloseable {

  /**
   * Stops the job: sources stop reading, tasks stop, worker and I/O threads end, temp files are
   * removed and open sink output is aborted (nothing partial becomes visible). Returns at once;
   * {@link #await()} waits for the job to be fully stopped. Idempotent.
   */
  void cancel();

  /**
   * Waits for the job to end and returns its result ({@link JobResult.Status#CANCELLED} after
   * {@link #cancel}). Throws {@link JobFailedException} if the job failed.
   */
  JobResult await();

  /** Like {@link #await()} but gives up after {@code timeout}, returning null if still running. */
  JobResult await(Duration timeout);

  /** Completes with the result, or exceptionally with the {@link JobFailedException}. */
  CompletableFuture<JobResult> result();

  boolean isDone();

  /**
   * Takes a savepoint into {@code dir} (created; it must not hold one already): a checkpoint of the
   * whole job, self-contained in {@code dir} (state files and versioned, checksummed metadata), not
   * subject to retention. The job goes on. Start a job from it with {@link RunOptions#restoreFrom},
   * also at another parallelism. Completes with {@code dir} once it is complete (and its output
   * committed by the sinks), or exceptionally if it failed or the job ended first. Needs a streaming
   * job with checkpoints ({@link RunOptions#withCheckpointing}); other jobs complete exceptionally
   * with {@link UnsupportedOperationException}.
   */
  default CompletableFuture<Path> savepoint(Path dir) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "savepoints need a streaming job with checkpoints (RunOptions.withCheckpointing)"));
  }

  /**
   * Takes a savepoint like {@link #savepoint}, then stops the job: the sinks have committed exactly
   * the output up to the savepoint, nothing after it, so a job restored from it continues the output
   * exactly once. The job ends {@link JobResult.Status#CANCELLED}. If the savepoint fails, the job
   * goes on and the future completes exceptionally.
   */
  default CompletableFuture<Path> stopWithSavepoint(Path dir) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "savepoints need a streaming job with checkpoints (RunOptions.withCheckpointing)"));
  }

  /** Cancels and waits. */
  @Override
  default void close() {
    cancel();
    result().exceptionally(e -> null).join();
  }
}
