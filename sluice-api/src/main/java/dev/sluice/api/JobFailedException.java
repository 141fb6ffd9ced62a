package dev.sluice.api;

/**
 * The job failed: a task kept failing after all its attempts, or the job could not start. The
 * message is one line naming the stage, the partition, the input position and the cause.
 */
public class JobFailedException extends RuntimeException {
  private final transient JobResult result;

  public JobFailedException(String message, Throwable cause, JobResult result) {
    super(message, cause);
    this.result = result;
  }

  /** The job's result with status FAILED, or null if it failed before it started. */
  public JobResult result() {
    return result;
  }
}
