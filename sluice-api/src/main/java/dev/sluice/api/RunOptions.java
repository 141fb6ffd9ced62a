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
 * @param stateBackend where streaming operators keep keyed state: {@code "heap"} (the default) or
 *     {@code "rocksdb"} (state larger than the heap, on local disk; needs the {@code sluice-rocksdb}
 *     module on the class path)
 * @param trigger when {@link Mode#MICRO_BATCH} plans its batches (null otherwise)
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
    Checkpointing checkpointing,
    String stateBackend,
    Trigger trigger) {

  /** The default {@link #stateBackend}: keyed state on the heap. */
  public static final String HEAP_STATE = "heap";

  /** The RocksDB {@link #stateBackend} of the {@code sluice-rocksdb} module. */
  public static final String ROCKSDB_STATE = "rocksdb";

  /** Execution modes. */
  public enum Mode {
    /** Streaming when any source is unbounded or the pipeline uses event time; batch otherwise. */
    AUTO,
    /** Stages run one after another over blocking exchanges (bounded sources only). */
    BATCH,
    /** All stages run at once, record at a time, connected by bounded channels with backpressure. */
    STREAMING,
    /**
     * The streaming runtime driven by a {@link Trigger}: input is read in batches whose source
     * ranges are written to an offset log before they run; each batch ends with a checkpoint, and a
     * commit log records it. Needs {@link #withCheckpointing checkpointing} (its directory holds the
     * logs; its interval is not used: every batch is a checkpoint) and sources whose readers support
     * {@link dev.sluice.api.source.SplitReader#availableEnd}.
     */
    MICRO_BATCH
  }

  /**
   * When a micro-batch job plans its batches.
   *
   * @param interval time between the starts of two batches (a batch starts late when the one before
   *     took longer); a batch with no new input is skipped
   * @param availableNow process the input available when the job starts, in batches, then stop
   *     (for scheduled incremental jobs: the next run goes on where this one stopped)
   * @param maxOffsetsPerSplit the most a batch advances one split (in the split's offsets: records
   *     of a collection, bytes of a file, generator indices); 0 for no limit
   */
  public record Trigger(Duration interval, boolean availableNow, long maxOffsetsPerSplit) {
    public Trigger(Duration interval, boolean availableNow) {
      this(interval, availableNow, 0);
    }

    /** This trigger with batches that advance each split by at most {@code n} offsets. */
    public Trigger withMaxOffsetsPerSplit(long n) {
      return new Trigger(interval, availableNow, n);
    }

    public Trigger {
      if (maxOffsetsPerSplit < 0) {
        throw new IllegalArgumentException("maxOffsetsPerSplit must be zero or positive, was " + maxOffsetsPerSplit);
      }
      if (interval == null || interval.isNegative()) {
        throw new IllegalArgumentException("trigger interval must be zero or positive, was " + interval);
      }
    }
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
   * @param incremental keyed state on the heap is checkpointed incrementally (the default): a
   *     checkpoint writes the keys that changed since the last completed one, and a full snapshot
   *     every few checkpoints; the parts live in the job's {@code shared/} directory
   * @param listener called with the {@link CheckpointStats} of every checkpoint once its output is
   *     committed, in checkpoint order, on the job's checkpoint I/O thread (keep it short: the next
   *     commit waits for it; what it throws is logged and ignored), or null
   */
  public record Checkpointing(Path dir, Duration interval, int retained, int tolerableFailures, Path restoreFrom,
                              boolean incremental, Consumer<CheckpointStats> listener) {
    /** Complete checkpoints kept by default. */
    public static final int DEFAULT_RETAINED = 3;

    public Checkpointing(Path dir, Duration interval, int retained, int tolerableFailures) {
      this(dir, interval, retained, tolerableFailures, null);
    }

    public Checkpointing(Path dir, Duration interval, int retained, int tolerableFailures, Path restoreFrom) {
      this(dir, interval, retained, tolerableFailures, restoreFrom, true, null);
    }

    public Checkpointing(Path dir, Duration interval, int retained, int tolerableFailures, Path restoreFrom,
                         boolean incremental) {
      this(dir, interval, retained, tolerableFailures, restoreFrom, incremental, null);
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
      return new Checkpointing(dir, interval, n, tolerableFailures, restoreFrom, incremental, listener);
    }

    public Checkpointing withTolerableFailures(int n) {
      return new Checkpointing(dir, interval, retained, n, restoreFrom, incremental, listener);
    }

    public Checkpointing withRestoreFrom(Path savepointOrCheckpoint) {
      return new Checkpointing(dir, interval, retained, tolerableFailures, savepointOrCheckpoint, incremental,
          listener);
    }

    /** Whether heap keyed state is checkpointed incrementally (default true); see {@link #incremental()}. */
    public Checkpointing withIncremental(boolean on) {
      return new Checkpointing(dir, interval, retained, tolerableFailures, restoreFrom, on, listener);
    }

    /** Reports every completed checkpoint (micro-batch: batch) to {@code l}; see {@link #listener()}. */
    public Checkpointing withListener(Consumer<CheckpointStats> l) {
      return new Checkpointing(dir, interval, retained, tolerableFailures, restoreFrom, incremental, l);
    }
  }

  /** Options without checkpoints (the form before checkpoints existed). */
  public RunOptions(int parallelism, long memoryBudgetBytes, int maxAttempts, Duration retryBackoff, Path tempDir,
                    Consumer<Progress> progress, Mode mode, InstantSource clock) {
    this(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock, null, null, null);
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
    if (mode == Mode.MICRO_BATCH && trigger == null) {
      trigger = new Trigger(Duration.ofSeconds(1), false);
    }
    if (stateBackend == null) {
      stateBackend = HEAP_STATE;
    } else {
      stateBackend = stateBackend.trim().toLowerCase(java.util.Locale.ROOT);
      if (stateBackend.isEmpty()) {
        throw new IllegalArgumentException("state backend must be a name such as \"heap\" or \"rocksdb\", was blank");
      }
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

  /**
   * {@link Mode#MICRO_BATCH}: a batch every {@code interval}. Add {@link #withCheckpointing} (the
   * offset and commit logs live in the checkpoint directory).
   */
  public static RunOptions microBatch(Duration interval) {
    return defaults().withMode(Mode.MICRO_BATCH).withTrigger(new Trigger(interval, false));
  }

  /**
   * {@link Mode#MICRO_BATCH} that processes what is available when the job starts, in batches, and
   * then stops. Add {@link #withCheckpointing}.
   */
  public static RunOptions availableNow() {
    return defaults().withMode(Mode.MICRO_BATCH).withTrigger(new Trigger(Duration.ZERO, true));
  }

  /** This micro-batch trigger. */
  public RunOptions withTrigger(Trigger t) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock,
        checkpointing, stateBackend, t);
  }

  /** {@link Mode#AUTO}: streaming for unbounded sources or event-time pipelines, else batch. */
  public static RunOptions defaults() {
    return new RunOptions(0, 0, 3, Duration.ofMillis(100), null, null, Mode.AUTO, null, null, null, null);
  }

  /** Processing time from {@code c} (e.g. a virtual clock a test advances) instead of the system clock. */
  public RunOptions withClock(InstantSource c) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, c,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withMode(Mode m) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, m, clock,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withParallelism(int n) {
    return new RunOptions(n, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withMemoryBudget(long bytes) {
    return new RunOptions(parallelism, bytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withMaxAttempts(int n) {
    return new RunOptions(parallelism, memoryBudgetBytes, n, retryBackoff, tempDir, progress, mode, clock,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withRetryBackoff(Duration d) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, d, tempDir, progress, mode, clock,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withTempDir(Path dir) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, dir, progress, mode, clock,
        checkpointing, stateBackend, trigger);
  }

  public RunOptions withProgress(Consumer<Progress> listener) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, listener, mode, clock,
        checkpointing, stateBackend, trigger);
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
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock,
        c, stateBackend, trigger);
  }

  /**
   * Where streaming operators keep keyed state: {@code "heap"} (default) or {@code "rocksdb"}
   * (needs the {@code dev.sluice:sluice-rocksdb} dependency; the job fails at start with a message
   * saying so when it is missing).
   */
  public RunOptions withStateBackend(String name) {
    return new RunOptions(parallelism, memoryBudgetBytes, maxAttempts, retryBackoff, tempDir, progress, mode, clock,
        checkpointing, name, trigger);
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
