package dev.sluice.api;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.Consumer;

/**
 * How a pipeline runs. Immutable; change with the {@code with*} methods.
 *
 * @param parallelism tasks per stage; 0 means the number of available processors
 * @param memoryBudgetBytes bytes that stateful operators may hold before they spill; 0 means 30 % of the max heap
 * @param maxAttempts attempts per task before the job fails (1 = no retry)
 * @param retryBackoff pause before the first retry; doubles per retry
 * @param tempDir where spill files go (a fresh job directory is made under it and removed at the end)
 * @param progress called now and then with bytes read of total, from a runtime thread; may be null
 * @param mode how the job executes: {@link Mode#AUTO} picks streaming when a source is unbounded
 * @param clock the processing-time clock of windows and timers; the system clock unless a test sets a virtual one
 * @param checkpointing periodic checkpoints of a streaming job, or null for none (the default). With
 *     checkpoints, {@code maxAttempts} and {@code retryBackoff} are the job's restart strategy: a
 *     failing task restarts the whole job from its latest complete checkpoint, at most
 *     {@code maxAttempts - 1} times, after {@code retryBackoff} (doubling per restart)
 */
public record RunOptions(
    int parallelism,
    long memoryBudgetBytes,
    int maxAttempts,
    Duration retryBackoff,
    Path tempDir,
    Consumer<Progress> progress,
    Mode mode,
    InstantSource clock,
    Checkpointing checkpointing) {

  /** Execution modes. */
  public enum Mode {
    /** Streaming when any source is unbounded or the pipeline uses event time; batch otherwise. */
    AUTO,
    /** Stages run one after another over blocking exchanges (bounded sources only). */
    BATCH,
    /** All stages run at once, record at a time, connected by bounded channels with backpressure. */
    STREAMING
  }

  /**
   * Checkpoint settings of a streaming job.
   *
   * <p>Checkpoints are stored under {@code <dir>/<job name>/chk-<n>/}; a job started with the same
   * name and directory resumes from the latest complete checkpoint there. A failed checkpoint (for
   * instance a full disk) does not fail the job, unless more than {@code tolerableFailures} fail in
   * a row.
   *
   * @param dir the checkpoint directory (created if missing)
   * @param interval time between the start of one checkpoint and the trigger of the next
   * @param retained complete checkpoints kept (older ones are deleted), at least 1
   * @param tolerableFailures consecutive failed checkpoints tolerated before the job fails
   * @param restoreFrom a savepoint or checkpoint directory ({@code chk-<n>}) the job starts from, or
   *     null; see {@link RunOptions#restoreFrom}
   */
  public record Checkpointing(Path dir, Duration interval, int retained, int tolerableFailures, Path restoreFrom) {
    /** Complete checkpoints kept by default. */
    public static final int DEFAULT_RETAINED = 3;

    public Checkpointing(Path dir, Duration interval, int retained, int tolerableFailures) {
      this(dir, interval, retained, tolerableFailures, null);
    }

    public Checkpointing {
      if (dir == null) {
        throw new IllegalArgumentException("checkpoint directory must be set");
      }
      if (interval == null || interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("checkpoint interval must be positive, was " + interval);
      }
      if (retained < 1) {
        throw new IllegalArgumentException("retained checkpoints must be at least 1, was " + retained);
      }
      if (tolerableFailures < 0) {
        throw new IllegalArgumentException("tolerable checkpoint failures must be zero or positive, was "
            + tolerableFailures);
      }
    }

    public Checkpointing withRetained(int n) {
      return new Checkpointing(dir, interval, n, tolerableFailures, restoreFrom);
    }

    public Checkpointing withTolerableFailures(int n) {
      return new Checkpointing(dir, interval, retained, n, restoreFrom);
    }

    public Checkpointing withRestoreFrom(Path savepointOrCheckpoint) {
      return new Checkpointing(dir, interval, retained, tolerableFailures, savepointOrCheckpoint);
    }
  }

  /** Options without checkpoints (the form before checkpoints existed). */
  public RunOptions(int parallelism, long memoryBudgetBytes, int maxAttempts, Duration retryBackoff, Path tempDir,
                    Consumer<Progress> progress, Mode mode, InstantSource clock) {
    this(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock, null);
  }

  public RunOptions {
    if (parallelism < 0) {
      throw new IllegalArgumentException("parallelism must be positive (or 0 for all cores), was " + parallelism);
    }
    if (memoryBudgetBytes < 0) {
      throw new IllegalArgumentException("memory budget must be positive (or 0 for default), was " + memoryBudgetBytes);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (retryBackoff == null || retryBackoff.isNegative()) {
      throw new IllegalArgumentException("retryBackoff must be zero or positive, was " + retryBackoff);
    }
    if (tempDir == null) {
      tempDir = Path.of(System.getProperty("java.io.tmpdir"));
    }
    if (mode == null) {
      mode = Mode.AUTO;
    }
    if (clock == null) {
      clock = InstantSource.system();
    }
  }

  /** Batch mode with defaults: all cores, 30 % of the heap as memory budget, 3 attempts, 100 ms backoff. */
  public static RunOptions batch() {
    return defaults().withMode(Mode.BATCH);
  }

  /** Streaming mode (pipelined, record at a time) with the same defaults as {@link #batch()}. */
  public static RunOptions streaming() {
    return defaults().withMode(Mode.STREAMING);
  }

  /** {@link Mode#AUTO}: streaming for unbounded sources or event-time pipelines, else batch. */
  public static RunOptions defaults() {
    return new RunOptions(0, 0, 3, Duration.ofMillis(100), null, null, Mode.AUTO, null);
  }

  /** Processing time from {@code c} (e.g. a virtual clock a test advances) instead of the system clock. */
  public RunOptions withClock(InstantSource c) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, c, checkpointing);
  }

  public RunOptions withMode(Mode m) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, m, clock, checkpointing);
  }

  public RunOptions withParallelism(int n) {
    return new RunOptions(n, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock, checkpointing);
  }

  public RunOptions withMemoryBudget(long bytes) {
    return new RunOptions(parallelism, bytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock, checkpointing);
  }

  public RunOptions withMaxAttempts(int n) {
    return new RunOptions(parallelism, memoryBudgetBytes, n, retryBackoff, tempDir, progress, mode, clock, checkpointing);
  }

  public RunOptions withRetryBackoff(Duration d) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, d, tempDir, progress, mode, clock, checkpointing);
  }

  public RunOptions withTempDir(Path dir) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, dir, progress, mode, clock, checkpointing);
  }

  public RunOptions withProgress(Consumer<Progress> listener) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, listener, mode, clock, checkpointing);
  }

  /**
   * Checkpoints every {@code interval} into {@code dir} (streaming jobs), keeping the last
   * {@value Checkpointing#DEFAULT_RETAINED} complete ones and tolerating any number of failed ones.
   */
  public RunOptions withCheckpointing(Path dir, Duration interval) {
    return withCheckpointing(new Checkpointing(dir, interval, Checkpointing.DEFAULT_RETAINED, Integer.MAX_VALUE));
  }

  /** These checkpoint settings; null turns checkpoints off. */
  public RunOptions withCheckpointing(Checkpointing c) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock, c);
  }

  /**
   * Starts the job from a savepoint ({@code JobHandle.savepoint}) or a checkpoint directory
   * ({@code <checkpoint dir>/<job>/chk-<n>}), at any parallelism, instead of from the latest
   * checkpoint in the checkpoint directory. Needs checkpoints ({@link #withCheckpointing}, called
   * before this). A savepoint of a different pipeline, a corrupt one or one of another format
   * version is refused. Restarts after a failure use the checkpoints this run takes, or this one
   * again if there are none yet.
   */
  public RunOptions restoreFrom(Path savepointOrCheckpoint) {
    if (checkpointing == null) {
      throw new IllegalStateException("restoring from " + savepointOrCheckpoint + " needs checkpoints: call"
          + " withCheckpointing(dir, interval) before restoreFrom");
    }
    return withCheckpointing(checkpointing.withRestoreFrom(savepointOrCheckpoint));
  }

  /** The effective parallelism: {@link #parallelism} or the number of available processors. */
  public int effectiveParallelism() {
    return parallelism > 0 ? parallelism : Runtime.getRuntime().availableProcessors();
  }

  /** Bytes read by the sources so far, of the total known size (-1 if unknown). */
  public record Progress(long bytesRead, long totalBytes) {}
}
