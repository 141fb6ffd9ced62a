package dev.sluice.core.runtime;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A {@link JobHandle} over a result future and a cancel action. Thread-safe. */
final class LocalJobHandle implements JobHandle {
  private final CompletableFuture<JobResult> future;
  private final Runnable cancel;
  /** Takes a savepoint (and stops when asked), or null when the job cannot. */
  private final java.util.function.BiFunction<java.nio.file.Path, Boolean, CompletableFuture<java.nio.file.Path>>
      savepoint;

  LocalJobHandle(CompletableFuture<JobResult> future, Runnable cancel) {
    this(future, cancel, null);
  }

  LocalJobHandle(CompletableFuture<JobResult> future, Runnable cancel,
                 java.util.function.BiFunction<java.nio.file.Path, Boolean, CompletableFuture<java.nio.file.Path>>
                     savepoint) {
    this.future = future;
    this.cancel = cancel;
    this.savepoint = savepoint;
  }

  @Override
  public CompletableFuture<java.nio.file.Path> savepoint(java.nio.file.Path dir) {
    return savepoint == null ? JobHandle.super.savepoint(dir) : savepoint.apply(dir, false);
  }

  @Override
  public CompletableFuture<java.nio.file.Path> stopWithSavepoint(java.nio.file.Path dir) {
    return savepoint == null ? JobHandle.super.stopWithSavepoint(dir) : savepoint.apply(dir, true);
  }

  @Override
  public void cancel() {
    cancel.run();
  }

  @Override
  public JobResult await() {
    try {
      return future.join();
    } catch (CompletionException e) {
      throw unwrap(e.getCause());
    }
  }

  @Override
  public JobResult await(Duration timeout) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static RuntimeException unwrap(Throwable cause) {
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(cause);
  }

  @Override
  public CompletableFuture<JobResult> result() {
    return future;
  }

  @Override
  public boolean isDone() {
    return future.isDone();
  }
}
