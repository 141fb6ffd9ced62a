package dev.sluice.api;

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

  /** Cancels and waits. */
  @Override
  default void close() {
    cancel();
    result().exceptionally(e -> null).join();
  }
}
