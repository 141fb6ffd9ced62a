package dev.sluice.core.runtime;

import dev.sluice.api.CheckpointStats;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.core.checkpoint.CheckpointException;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointMetadata.Committable;
import dev.sluice.core.checkpoint.CheckpointMetadata.StateFile;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.checkpoint.TaskState;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.keyed.KeyedProcessOperator;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint coordinator of one streaming job run (across its restarts).
 *
 * <p>Design note. A trigger thread starts checkpoint {@code n} every interval (one at a time) by
 * setting {@code n} on every source task and blocking-source reader; they put a barrier into their
 * outputs, downstream tasks align barriers over their inputs, snapshot and forward them, sink
 * threads prepare a commit. Tasks take their {@link TaskState} on their own thread (operator
 * snapshots are detached from the live state: copies, or the heap backend's copy-on-write
 * snapshot) and hand it to a checkpoint writer thread, which serializes it straight into the state
 * file (streamed, checksummed on the way), fsyncs it, releases the snapshot and acknowledges; the
 * task goes on meanwhile. Writers run one task's state each, in parallel. Tasks that have finished
 * acknowledge every later checkpoint as finished. When every task and sink writer has
 * acknowledged, the I/O thread writes {@code _metadata} last and atomically, applies retention, and
 * only then calls {@code Sink.commit} with every committable not committed yet (those of failed
 * checkpoints roll over into the next complete one). A failed write fails the checkpoint, not the
 * job, unless more than the tolerated number fail in a row.
 *
 * <p>Thread-safety: acknowledgements come from worker, sink, reader and I/O threads; the pending
 * checkpoint's bookkeeping is guarded by {@code this}.
 */
final class StreamCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(StreamCheckpoints.class);

  final RunOptions.Checkpointing settings;
  final CheckpointStorage storage;
  final Serde serde;
  private final LogicalPlan logical;
  private final String signature;
  private final AtomicLong nextId = new AtomicLong(1);
  private final ExecutorService io;
  /** Serializes and writes tasks' state files, and reads them back on restore (in parallel). */
  private final ExecutorService writers;
  private int consecutiveFailures;

  /** The checkpoint a run restores from: per stage the old tasks' states, per sink transform its committables. */
  record Restored(CheckpointMetadata metadata, Map<Integer, List<TaskState>> byStage,
                  Map<Integer, List<Object>> committables, Path dir, Path sharedDir) {}

  /** Native files a task staged at a barrier ({@code NativeCheckpointFiles.stage}), copied on the I/O thread. */
  record Staged(List<dev.sluice.core.stream.state.NativeCheckpointFiles.StagedFile> files, Runnable cleanup) {}

  private static void cleanup(List<Staged> staged) {
    for (Staged st : staged) {
      try {
        st.cleanup().run();
      } catch (RuntimeException e) {
        LOG.warn("could not remove staged checkpoint files: {}", e.toString());
      }
    }
  }

  StreamCheckpoints(LogicalPlan logical, RunOptions.Checkpointing settings) {
    this.logical = logical;
    this.settings = settings;
    this.storage = new CheckpointStorage(settings.dir(), logical.name());
    this.serde = Serde.forPlan(logical);
    this.signature = signature(logical);
    String job = CheckpointStorage.safeName(logical.name());
    this.io = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sluice-checkpoint-io-" + job);
      t.setDaemon(true);
      return t;
    });
    int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(threads, threads,
        2, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "sluice-checkpoint-write-" + job + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true); // idle between checkpoints: no threads left behind by an unused instance
    this.writers = pool;
  }

  static String signature(LogicalPlan plan) {
    StringBuilder b = new StringBuilder();
    for (Transform t : plan.transforms()) {
      b.append(t.id()).append(':').append(t.op().getClass().getSimpleName()).append(t.inputs()).append(';');
    }
    return b.toString();
  }

  /** Refuses, before anything runs, plans whose state cannot be checkpointed. */
  static void check(LogicalPlan plan) {
    for (Transform t : plan.transforms()) {
      Op op = t.op();
      if (op instanceof Op.Join || op instanceof Op.Sort) {
        throw new IllegalArgumentException("job '" + plan.name() + "' cannot be checkpointed: " + op.label() + " ("
            + t.name() + ", #" + t.id() + ") is a batch operator that keeps its state until the end of input and is"
            + " not checkpointed (keyed aggregations are); use a windowed join, or run without checkpoints");
      }
      if (op instanceof Op.Write w && !w.sink().supportsCheckpoints()) {
        throw new IllegalArgumentException("job '" + plan.name() + "' cannot be checkpointed: sink "
            + w.sink().name() + " does not support checkpoints (Sink.supportsCheckpoints() is false); use a"
            + " sink that commits per checkpoint, or run without checkpoints");
      }
    }
  }

  void shutdown() {
    io.shutdown();
    writers.shutdown();
  }

  // ---------------------------------------------------------------- restore

  /**
   * The latest usable complete checkpoint, or null. Incomplete checkpoints newer than it are removed;
   * unusable ones are skipped with a warning naming them; one of an unknown format is refused.
   */
  Restored loadLatest() throws IOException {
    return loadLatest(0);
  }

  /** Like {@link #loadLatest()}, ignoring (not deleting) checkpoints with ids below {@code minId}. */
  Restored loadLatest(long minId) throws IOException {
    List<Long> ids = storage.ids();
    nextId.set(Math.max(nextId.get(), ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1));
    for (int i = ids.size() - 1; i >= 0; i--) {
      long id = ids.get(i);
      if (id < minId) {
        break;
      }
      if (!storage.hasMetadata(id)) {
        LOG.warn("skipping checkpoint {}: it is incomplete (no {}); deleting it", storage.dirOf(id),
            CheckpointStorage.METADATA);
        storage.discard(id);
        continue;
      }
      try {
        return load(id);
      } catch (CheckpointException e) {
        if (e.incompatible) {
          throw new IllegalStateException("cannot restore job '" + logical.name() + "': " + e.getMessage(), e);
        }
        LOG.warn("skipping checkpoint {}: {}; trying the one before", storage.dirOf(id), e.getMessage());
      }
    }
    return null;
  }

  /** The next checkpoint id this job will use. */
  long nextId() {
    return nextId.get();
  }

  /**
   * The savepoint or checkpoint directory {@code dir} ({@code RunOptions.restoreFrom}): refused,
   * never skipped, when it is missing, corrupt, of another format version or of another pipeline.
   * Checkpoint ids of this job continue above its id (sinks name committed output by checkpoint id).
   */
  Restored loadFrom(Path dir) throws IOException {
    long existing = storage.nextId();
    CheckpointStorage single = CheckpointStorage.single(dir);
    String what = "cannot restore job '" + logical.name() + "' from " + dir + ": ";
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(what + "no such directory");
    }
    if (!single.hasMetadata(0)) {
      throw new IllegalArgumentException(what + "it has no " + CheckpointStorage.METADATA + ", so it is not a"
          + " complete savepoint or checkpoint (give a savepoint directory or a chk-<n> directory)");
    }
    Restored r;
    try {
      r = load(single, 0, () -> new IllegalArgumentException(what + "it was written by a different pipeline (job '"
          + single.readMetadata(0).job() + "'): its operators do not match this job's; restore it with the pipeline"
          + " that wrote it"));
    } catch (CheckpointException e) {
      throw new IllegalArgumentException(what + e.getMessage(), e);
    }
    nextId.set(Math.max(nextId.get(), Math.max(existing, r.metadata().id() + 1)));
    return r;
  }

  private Restored load(long id) throws CheckpointException {
    return load(storage, id, () -> new IllegalStateException("cannot restore job '" + logical.name() + "' from "
        + storage.dirOf(id) + ": it was written by a different pipeline with the same job name; use another"
        + " checkpoint directory or job name, or move " + storage.jobDir() + " away"));
  }

  private interface Refusal {
    RuntimeException get() throws CheckpointException;
  }

  private Restored load(CheckpointStorage storage, long id, Refusal otherPipeline) throws CheckpointException {
    CheckpointMetadata m = storage.readMetadata(id);
    if (!m.planSignature().equals(signature)) {
      throw otherPipeline.get();
    }
    // Allow exactly the classes the writing job wrote (recorded in the checksummed metadata).
    serde.allowClassNames(m.classNames());
    storage.verifyNative(m);
    Map<Integer, List<TaskState>> byStage = new HashMap<>();
    Serde version1 = serde.withVersion1Snapshots();
    try {
      // Each file is checked and then deserialized as a stream, the files in parallel.
      List<java.util.concurrent.Future<TaskState>> reads = new ArrayList<>();
      for (StateFile f : m.files()) {
        String where = "state file " + storage.dirOf(id).resolve(f.name());
        java.util.concurrent.FutureTask<TaskState> read = new java.util.concurrent.FutureTask<>(
            () -> foldParts(storage,
                storage.readState(id, f, (in, version) -> (TaskState) (version == 1 ? version1 : serde).read(in, where))));
        try {
          writers.execute(read);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          read.run(); // shut down: read on this thread
        }
        reads.add(read);
      }
      for (java.util.concurrent.Future<TaskState> read : reads) {
        TaskState s;
        try {
          s = read.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CheckpointException("interrupted while reading checkpoint " + storage.dirOf(id), e);
        } catch (java.util.concurrent.ExecutionException e) {
          for (java.util.concurrent.Future<TaskState> other : reads) {
            other.cancel(false);
          }
          if (e.getCause() instanceof CheckpointException c) {
            throw c;
          }
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new CheckpointException("its state cannot be read: " + e.getCause(), e.getCause());
        }
        byStage.computeIfAbsent(s.stage(), k -> new ArrayList<>()).add(s);
      }
      Map<Integer, List<Object>> committables = new HashMap<>();
      List<Committable> sorted = new ArrayList<>(m.committables());
      sorted.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
          : Long.compare(a.preparedAt(), b.preparedAt()));
      for (Committable c : sorted) {
        committables.computeIfAbsent(c.transformId(), k -> new ArrayList<>()).add(serde.fromBytes(c.bytes()));
      }
      for (List<TaskState> l : byStage.values()) {
        l.sort((a, b) -> Integer.compare(a.index(), b.index()));
      }
      return new Restored(m, byStage, committables, storage.dirOf(id), storage.sharedDir());
    } catch (CheckpointException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CheckpointException("its state cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Replaces each {@link KeyedProcessOperator.IncrementalSnapshot} of {@code s} by the snapshot its
   * parts make ({@link KeyedStateSnapshot#fold}), read from the shared directory of
   * {@code storage} (already checked against the metadata by {@code verifyNative}).
   */
  private TaskState foldParts(CheckpointStorage storage, TaskState s) throws CheckpointException {
    for (Map.Entry<Integer, Object> e : s.operators().entrySet()) {
      if (e.getValue() instanceof KeyedProcessOperator.IncrementalSnapshot inc) {
        List<KeyedStateSnapshot> parts = new ArrayList<>(inc.parts().size());
        for (String name : inc.parts()) {
          parts.add(storage.readShared(name, (in, version) -> (KeyedStateSnapshot) serde.read(in,
              "shared state file " + storage.sharedDir().resolve(name))));
        }
        e.setValue(new KeyedProcessOperator.Snapshot(inc.watermark(), KeyedStateSnapshot.fold(parts)));
      }
    }
    return s;
  }

  // ---------------------------------------------------------------- one attempt

  Attempt attach(StreamExecution exec) {
    return new Attempt(exec);
  }

  /** The checkpoints taken while one attempt of the job runs. */
  final class Attempt {
    private final StreamExecution exec;
    private final int taskCount;
    private final int sinkCount;
    private Pending pending;
    /** Committables prepared but not committed yet, per sink loop. */
    private final List<List<Prepared>> uncommitted = new ArrayList<>();
    private volatile boolean closed;
    volatile long completedCount;
    volatile long lastCompleted;
    /** The latest checkpoint that failed. */
    volatile long lastDeclined;
    /** Called on the I/O thread after a checkpoint's sink commit (micro-batch: writes the commit log). */
    volatile java.util.function.LongConsumer onCommitted;
    /** Unparked when a checkpoint completes or fails (micro-batch: the coordinator waiting for its batch). */
    volatile Thread completionWaiter;

    /**
     * A sink writer's committable for checkpoint {@code id} (0: its last, at the end of its input),
     * committed with the first completed checkpoint whose id is at least {@code notBefore}.
     */
    private record Prepared(long id, Object committable, byte[] bytes, long notBefore) {}

    /** Per task, the source records it had read at the last completed checkpoint. */
    private final long[] completedRead;

    /** A requested savepoint: copied into {@code dir} when its checkpoint completes; {@code stop} the job after it. */
    private record Savepoint(Path dir, boolean stop, CompletableFuture<Path> done) {}

    /** A savepoint requested while another checkpoint was pending: triggered when that one ends. */
    private Savepoint queued;
    /** Stopped with a savepoint: nothing after it is committed, not even at the end of input. */
    private boolean stoppedAtSavepoint;

    private final class Pending {
      final long id;
      Savepoint savepoint;
      /** When it began (micro-batch: the batch's trigger), see {@link CheckpointStats#start}. */
      final long startNanos;
      final long startMillis;
      /** Micro-batch: when the batch's offsets were logged (its checkpoint started); else the start. */
      final long plannedNanos;
      /** The latest snapshot of a task or prepared commit of a sink writer (0: none yet). */
      long snapshottedNanos;
      /** When the last participant acknowledged. */
      long writtenNanos;
      /** Per task, the source records it had read when it took its snapshot (-1: not yet). */
      final long[] readAt;
      final StateFile[] files;
      final List<CheckpointMetadata.NativeFile> natives = new ArrayList<>();
      final boolean[] acked;
      /**
       * Tasks whose state for this checkpoint was handed to a writer: a task that snapshots at the
       * barrier and then finishes before the write acknowledged must not hand over a second
       * ("finished") state, whose write into the same file would race with the first.
       */
      final boolean[] claimed;
      int remaining;
      long maxAlignNanos;

      Pending(long id) {
        this(id, Long.MAX_VALUE);
      }

      /** @param startNanos micro-batch: the batch's trigger time (else: now) */
      Pending(long id, long startNanos) {
        this.id = id;
        long now = System.nanoTime();
        this.startNanos = startNanos == Long.MAX_VALUE ? now : Math.min(startNanos, now);
        this.startMillis = System.currentTimeMillis() - (now - this.startNanos) / 1_000_000;
        this.plannedNanos = now;
        files = new StateFile[taskCount];
        readAt = new long[taskCount];
        java.util.Arrays.fill(readAt, -1);
        acked = new boolean[taskCount + sinkCount];
        claimed = new boolean[taskCount];
        remaining = acked.length;
      }
    }

    Attempt(StreamExecution exec) {
      this.exec = exec;
      this.taskCount = exec.tasks().size();
      this.sinkCount = exec.sinkLoops().size();
      this.completedRead = new long[taskCount];
      for (int i = 0; i < sinkCount; i++) {
        uncommitted.add(new ArrayList<>());
      }
    }

    /** Trigger thread: one checkpoint every interval until the attempt stops. */
    void runTrigger() {
      long interval = settings.interval().toNanos();
      while (!closed && !exec.stopped()) {
        long deadline = System.nanoTime() + interval;
        while (!closed && !exec.stopped() && System.nanoTime() < deadline) {
          java.util.concurrent.locks.LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), 20_000_000L));
        }
        if (closed || exec.stopped()) {
          return;
        }
        trigger();
      }
    }

    /**
     * Stops triggering and forgets the pending checkpoint, then waits for the I/O thread: a
     * completion already under way finishes (its metadata may be written), nothing is written after
     * this returns. A pending checkpoint's partial directory is removed by the next run.
     */
    void close() {
      closed = true;
      List<Savepoint> failed = new ArrayList<>();
      synchronized (this) {
        if (pending != null && pending.savepoint != null) {
          failed.add(pending.savepoint);
        }
        if (queued != null) {
          failed.add(queued);
          queued = null;
        }
        pending = null;
      }
      for (Savepoint sp : failed) {
        sp.done().completeExceptionally(new IllegalStateException("the job ended, failed or was cancelled before"
            + " the savepoint into " + sp.dir() + " completed"));
      }
      List<java.util.concurrent.Future<?>> running;
      synchronized (writes) {
        running = new ArrayList<>(writes);
        writes.clear();
      }
      for (java.util.concurrent.Future<?> w : running) {
        try {
          w.get();
        } catch (Exception e) {
          // failed or interrupted: it declined its checkpoint itself
        }
      }
      try {
        io.submit(() -> null).get();
      } catch (Exception e) {
        // shut down already, or interrupted: nothing more to wait for
      }
    }

    /** Micro-batch: a savepoint waits for the next batch (which runs then even if no input is new). */
    synchronized boolean savepointQueued() {
      return queued != null;
    }

    /** Whether the coordinator has stopped starting checkpoints (job ending or stopping). */
    boolean closed() {
      return closed;
    }

    /**
     * Micro-batch: starts checkpoint {@code id} without triggering the source tasks (they put its
     * barrier out when they reach the batch's end). Returns false if another one is pending.
     */
    synchronized boolean startBatch(long id, long triggerNanos) {
      if (pending != null || closed) {
        return false;
      }
      nextId.set(Math.max(nextId.get(), id + 1));
      pending = new Pending(id, triggerNanos);
      pending.savepoint = queued; // a requested savepoint is this batch's checkpoint, copied when complete
      queued = null;
      List<StreamTask> tasks = exec.tasks();
      acknowledgeFinished(tasks, id);
      return true;
    }

    /**
     * Takes a savepoint: a checkpoint (in the checkpoint directory as usual, so a later run resumes
     * from it) that, once complete, is copied into {@code dir} before the sinks commit it. With
     * {@code stop}, nothing is committed after it and the job stops. Completes with {@code dir}.
     */
    CompletableFuture<Path> savepoint(Path dir, boolean stop) {
      Savepoint sp = new Savepoint(dir, stop, new CompletableFuture<>());
      synchronized (this) {
        if (closed) {
          sp.done().completeExceptionally(new IllegalStateException("the job has ended or is stopping; no savepoint"
              + " was taken"));
        } else if (queued != null) {
          sp.done().completeExceptionally(new IllegalStateException("another savepoint is being taken ("
              + queued.dir() + ")"));
        } else if (pending != null || exec.microBatch) {
          queued = sp; // micro-batch: the next batch's checkpoint is the savepoint (see startBatch)
        } else {
          trigger(sp);
        }
      }
      return sp.done();
    }

    /** After the pending checkpoint ended: the queued savepoint, if any, starts now. */
    private synchronized void triggerQueued() {
      Savepoint sp = queued;
      if (sp != null && pending == null && !closed && !exec.microBatch) {
        queued = null;
        trigger(sp);
      }
    }

    synchronized long trigger() {
      return trigger(null);
    }

    private synchronized long trigger(Savepoint sp) {
      if (pending != null || closed) {
        return -1;
      }
      long id = nextId.getAndIncrement();
      pending = new Pending(id);
      pending.savepoint = sp;
      List<StreamTask> tasks = exec.tasks();
      for (StreamTask t : tasks) {
        t.triggered = id;
      }
      for (StreamExecution.SourceLoop l : exec.sourceLoops()) {
        l.triggered = id;
      }
      acknowledgeFinished(tasks, id);
      return id;
    }

    /** Tasks and sink writers that have finished acknowledge checkpoint {@code id} at once. */
    private void acknowledgeFinished(List<StreamTask> tasks, long id) {
      for (StreamTask t : tasks) {
        if (t.done) {
          taskFinished(t);
        }
      }
      List<StreamExecution.SinkLoop> sinks = exec.sinkLoops();
      for (int j = 0; j < sinks.size(); j++) {
        if (sinks.get(j).done) {
          ack(taskCount + j, id, null, 0);
        }
      }
    }

    /**
     * A task aligned checkpoint {@code id} and took its state: a writer thread serializes it into the
     * state file while the task goes on, then releases the snapshots and acknowledges.
     */
    void taskSnapshot(StreamTask t, long id, TaskState state, long alignNanos) {
      taskSnapshot(t, id, state, alignNanos, List.of());
    }

    /**
     * Like {@link #taskSnapshot(StreamTask, long, TaskState, long)}, with native files the task's
     * operators staged: once the state file is written, the I/O thread copies them (only new shared
     * files; on the I/O thread because retention, which deletes unreferenced shared files, runs
     * there too) and then acknowledges.
     */
    void taskSnapshot(StreamTask t, long id, TaskState state, long alignNanos, List<Staged> staged) {
      int participant = t.ordinal;
      synchronized (this) {
        Pending p = pending;
        if (p != null && p.id == id) {
          if (p.claimed[participant]) {
            // Only the first state of a task per checkpoint is written (see Pending.claimed).
            release(state);
            cleanup(staged);
            return;
          }
          p.claimed[participant] = true;
          p.snapshottedNanos = Math.max(p.snapshottedNanos, System.nanoTime());
          p.readAt[participant] = recordsRead(t);
        }
      }
      Runnable write = () -> {
        boolean handedOff = false;
        try {
          java.util.function.BiConsumer<StreamTask, TaskState> hook = beforeStateWrite;
          if (hook != null) {
            hook.accept(t, state);
          }
          if (closed || !isPending(id)) {
            return;
          }
          StateFile f;
          List<CheckpointMetadata.NativeFile> parts = new ArrayList<>();
          try {
            TaskState written = writeParts(state, parts);
            f = storage.writeState(id, t.stage.id(), t.index, out -> serde.write(out, written));
          } catch (IOException e) {
            decline(id, e.getMessage());
            return;
          } catch (RuntimeException | Error e) {
            // an Error too (deep recursion, out of memory): the checkpoint fails instead of staying pending
            decline(id, "the state of " + t.describeTask() + " of stage " + t.stage.id() + " cannot be serialized: "
                + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return;
          }
          if (staged.isEmpty()) {
            ack(participant, id, f, alignNanos, parts);
            return;
          }
          io.execute(() -> {
            try {
              if (!isPending(id)) {
                return;
              }
              List<CheckpointMetadata.NativeFile> natives = new ArrayList<>(parts);
              for (Staged st : staged) {
                natives.addAll(storage.writeNative(id, st.files()));
              }
              ack(participant, id, f, alignNanos, natives);
            } catch (IOException | RuntimeException e) {
              decline(id, e.getMessage());
            } finally {
              cleanup(staged);
            }
          });
          handedOff = true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // the job is ending
        } finally {
          release(state);
          if (!handedOff) {
            cleanup(staged);
          }
        }
      };
      java.util.concurrent.Future<?> f;
      synchronized (writes) {
        writes.removeIf(java.util.concurrent.Future::isDone);
        try {
          f = writers.submit(write);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          release(state); // the job is shutting down
          cleanup(staged);
          return;
        }
        writes.add(f);
      }
    }

    /**
     * Writes the parts of incremental heap snapshots in {@code state} into the shared directory (on
     * the writer thread; adds their entries, and those of the earlier parts they build on, to
     * {@code files}) and returns the state to write, with each such snapshot replaced by the list
     * of its parts ({@link KeyedProcessOperator.IncrementalSnapshot}).
     */
    private TaskState writeParts(TaskState state, List<CheckpointMetadata.NativeFile> files)
        throws IOException {
      java.util.HashMap<Integer, Object> ops = null;
      for (Map.Entry<Integer, Object> e : state.operators().entrySet()) {
        if (e.getValue() instanceof KeyedProcessOperator.Snapshot s && s.state() != null
            && s.state().groups() instanceof KeyedStateSnapshot.Part part) {
          files.add(storage.writeShared(part.name(), out -> serde.write(out, s.state())));
          for (String base : part.base()) {
            files.add(storage.sharedEntry(base));
          }
          List<String> names = new ArrayList<>(part.base());
          names.add(part.name());
          if (ops == null) {
            ops = new java.util.HashMap<>(state.operators());
          }
          ops.put(e.getKey(), new KeyedProcessOperator.IncrementalSnapshot(s.watermark(), names));
        }
      }
      return ops == null ? state : new TaskState(state.stage(), state.index(), state.finished(),
          state.sourceTransform(), state.remaining(), ops);
    }

    /** Writes submitted by tasks and not known to be done; {@link #close} waits for them. */
    private final List<java.util.concurrent.Future<?>> writes = new ArrayList<>();

    private void release(TaskState state) {
      for (Object o : state.operators().values()) {
        if (o instanceof dev.sluice.core.stream.keyed.KeyedProcessOperator.Snapshot k && k.state() != null) {
          k.state().release();
        }
      }
    }

    /** A task ended: it acknowledges the pending checkpoint (and later ones) as finished. */
    void taskFinished(StreamTask t) {
      long id;
      synchronized (this) {
        if (pending == null || pending.acked[t.ordinal] || pending.claimed[t.ordinal]) {
          return;
        }
        id = pending.id;
      }
      taskSnapshot(t, id, new TaskState(t.stage.id(), t.index, true, -1, null, new HashMap<>()), 0);
    }

    /** A sink writer prepared its commit for checkpoint {@code id} (null: nothing to commit). */
    void sinkPrepared(StreamExecution.SinkLoop l, long id, Object committable) {
      prepared(l, id, committable, id);
      ack(taskCount + l.ordinal, id, null, 0);
    }

    /** A sink writer reached the end of its input: its last committable rides with the next checkpoint. */
    void sinkFinished(StreamExecution.SinkLoop l, Object committable) {
      java.util.function.BiConsumer<StreamExecution, StreamExecution.SinkLoop> hook = beforeSinkFinished;
      if (hook != null) {
        hook.accept(exec, l);
      }
      // The last committable holds the records after every barrier this writer saw. A checkpoint whose
      // barrier it has already passed records its task's source before those records (the task read
      // them after that barrier), so a restore from it reads them again: committed with it, they
      // would be output twice. They ride with the checkpoint after it (whose task state is
      // "finished"), or with the one pending now if the writer has not passed its barrier.
      long notBefore;
      synchronized (this) {
        Pending p = pending;
        notBefore = p == null ? 0 : p.acked[taskCount + l.ordinal] ? p.id + 1 : p.id;
      }
      prepared(l, 0, committable, notBefore);
      // Only now: a checkpoint triggered from here on counts this writer as acknowledged
      // (acknowledgeFinished) and must find its last committable among the uncommitted ones. Marked
      // done before, a checkpoint could complete without it while recording its task as finished: a
      // restore from that checkpoint reads the split no more and discards the committable (lost output).
      l.done = true;
      long id;
      synchronized (this) {
        if (pending == null) {
          return;
        }
        id = pending.id;
      }
      ack(taskCount + l.ordinal, id, null, 0);
    }

    private void prepared(StreamExecution.SinkLoop l, long id, Object committable, long notBefore) {
      if (committable == null) {
        return;
      }
      byte[] bytes = serde.toBytes(committable);
      synchronized (this) {
        uncommitted.get(l.ordinal).add(new Prepared(id, committable, bytes, notBefore));
      }
    }

    private synchronized boolean isPending(long id) {
      return pending != null && pending.id == id;
    }

    private void ack(int participant, long id, StateFile file, long alignNanos) {
      ack(participant, id, file, alignNanos, List.of());
    }

    private void ack(int participant, long id, StateFile file, long alignNanos,
                     List<CheckpointMetadata.NativeFile> natives) {
      Pending done;
      synchronized (this) {
        Pending p = pending;
        if (p == null || p.id != id || p.acked[participant]) {
          return;
        }
        p.acked[participant] = true;
        long now = System.nanoTime();
        if (participant >= taskCount) {
          p.snapshottedNanos = Math.max(p.snapshottedNanos, now); // a sink writer prepared its commit (tasks: at their claim)
        }
        if (file != null) {
          p.files[participant] = file;
        }
        p.natives.addAll(natives);
        p.maxAlignNanos = Math.max(p.maxAlignNanos, alignNanos);
        if (--p.remaining > 0) {
          return;
        }
        p.writtenNanos = now;
        done = p;
      }
      io.execute(() -> complete(done));
    }

    private void wakeCompletionWaiter() {
      Thread w = completionWaiter;
      if (w != null) {
        java.util.concurrent.locks.LockSupport.unpark(w);
      }
    }

    /** A task cannot snapshot its state for checkpoint {@code id}: the checkpoint fails (see {@link #decline}). */
    void declineFromTask(long id, String reason) {
      decline(id, reason);
    }

    private void decline(long id, String reason) {
      int failures;
      Savepoint sp;
      synchronized (this) {
        if (pending == null || pending.id != id) {
          return;
        }
        sp = pending.savepoint;
        pending = null;
        failures = ++consecutiveFailures;
        lastDeclined = id;
      }
      wakeCompletionWaiter();
      io.execute(() -> storage.discard(id));
      LOG.warn("checkpoint {} of job '{}' failed: {}", id, logical.name(), reason);
      if (sp != null) {
        sp.done().completeExceptionally(new IllegalStateException("the savepoint into " + sp.dir()
            + " failed: checkpoint " + id + " failed: " + reason));
      }
      triggerQueued();
      if (failures > settings.tolerableFailures()) {
        exec.failCheckpoint(failures + " checkpoints failed in a row (tolerated: " + settings.tolerableFailures()
            + "); the last, checkpoint " + id + ": " + reason);
      }
    }

    /** On the I/O thread, after every acknowledgement: metadata last, then retention, then the sinks' commits. */
    private void complete(Pending p) {
      List<List<Prepared>> toCommit = new ArrayList<>();
      synchronized (this) {
        if (pending != p) {
          return;
        }
        for (List<Prepared> l : uncommitted) {
          List<Prepared> ready = new ArrayList<>(l.size());
          for (Prepared c : l) {
            if (c.notBefore() <= p.id) {
              ready.add(c);
            }
          }
          toCommit.add(ready);
        }
      }
      List<StateFile> files = new ArrayList<>();
      long size = 0;
      for (StateFile f : p.files) {
        if (f != null) {
          files.add(f);
          size += f.size();
        }
      }
      long written = size;
      List<CheckpointMetadata.NativeFile> natives;
      synchronized (this) {
        natives = new ArrayList<>(p.natives);
      }
      for (CheckpointMetadata.NativeFile f : natives) {
        size += f.size();
        if (!f.reused()) {
          written += f.size();
        }
      }
      try {
        writeMetadata(p.id, p.startMillis, System.nanoTime() - p.startNanos, p.maxAlignNanos, size, false, files,
            toCommit, natives, written);
      } catch (IOException | RuntimeException e) {
        decline(p.id, e.getMessage());
        return;
      }
      long completedNanos = System.nanoTime();
      Savepoint sp = p.savepoint;
      Throwable savepointError = null;
      if (sp != null) {
        try {
          storage.copyTo(storage.readMetadata(p.id), sp.dir());
        } catch (IOException | RuntimeException e) {
          savepointError = e;
        }
      }
      boolean stop = sp != null && sp.stop() && savepointError == null;
      synchronized (this) {
        pending = null;
        consecutiveFailures = 0;
        completedCount++;
        lastCompleted = p.id;
        if (stop) {
          // Stop with savepoint: no checkpoint after this one starts or commits.
          closed = true;
          stoppedAtSavepoint = true;
        }
      }
      wakeCompletionWaiter();
      long commitNanos;
      try {
        long t0 = System.nanoTime();
        commit(toCommit);
        commitNanos = System.nanoTime() - t0;
        // Only now: until they are committed, the committables must ride in every later
        // checkpoint's metadata (a checkpoint completing while this commit fails would otherwise
        // become the restore point without them, and their output would be lost).
        synchronized (this) {
          for (int i = 0; i < toCommit.size(); i++) {
            uncommitted.get(i).removeAll(toCommit.get(i));
          }
        }
      } catch (IOException | RuntimeException e) {
        exec.failCheckpoint("committing checkpoint " + p.id + " to the sinks failed: " + e);
        if (sp != null) {
          sp.done().completeExceptionally(new IllegalStateException("the savepoint into " + sp.dir()
              + " was written, but committing its output to the sinks failed: " + e, e));
        }
        return;
      }
      java.util.function.LongConsumer hook = onCommitted;
      if (hook != null) {
        hook.accept(p.id);
      }
      report(p, completedNanos, System.nanoTime(), commitNanos, size, written);
      retain(); // housekeeping after the commit, off the batch's (checkpoint's) path to its committed output
      for (StreamTask t : exec.tasks()) {
        t.completed = p.id;
      }
      if (sp != null) {
        if (savepointError != null) {
          LOG.warn("savepoint of job '{}' into {} failed: {}", logical.name(), sp.dir(), savepointError.toString());
          sp.done().completeExceptionally(new IllegalStateException("the savepoint into " + sp.dir() + " failed: "
              + savepointError.getMessage(), savepointError));
        } else {
          LOG.info("job '{}': savepoint {} complete (checkpoint {})", logical.name(), sp.dir(), p.id);
          if (stop) {
            exec.stopAfterSavepoint();
          }
          sp.done().complete(sp.dir());
        }
      }
      triggerQueued();
      LOG.debug("checkpoint {} of job '{}' complete: {} bytes, {} written, {} ms", p.id, logical.name(), size,
          written, (System.nanoTime() - p.startNanos) / 1_000_000);
    }

    /** Applies checkpoint retention; a failure is only logged (the checkpoints stay, the job goes on). */
    private void retain() {
      try {
        storage.retain(settings.retained());
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not apply checkpoint retention in {}: {}", storage.jobDir(), e.toString());
      }
    }

    /** Hands the checkpoint's {@link CheckpointStats} to the listener, if any (see {@link RunOptions.Checkpointing#listener}). */
    private void report(Pending p, long completedNanos, long committedNanos, long commitNanos, long size, long written) {
      long records = 0;
      long snapshotted;
      long writtenAt;
      synchronized (this) {
        for (int t = 0; t < taskCount; t++) {
          if (p.readAt[t] >= 0) {
            records += p.readAt[t] - completedRead[t];
            completedRead[t] = p.readAt[t];
          }
        }
        snapshotted = Math.max(p.snapshottedNanos, p.plannedNanos);
        writtenAt = Math.max(p.writtenNanos, snapshotted);
      }
      java.util.function.Consumer<CheckpointStats> l = settings.listener();
      if (l == null) {
        return;
      }
      CheckpointStats stats = new CheckpointStats(p.id, java.time.Instant.ofEpochMilli(p.startMillis),
          since(p, p.plannedNanos), since(p, snapshotted), since(p, writtenAt), since(p, Math.max(completedNanos,
          writtenAt)), since(p, Math.max(committedNanos, completedNanos)), java.time.Duration.ofNanos(commitNanos),
          java.time.Duration.ofNanos(p.maxAlignNanos), size, written, records);
      try {
        l.accept(stats);
      } catch (RuntimeException e) {
        LOG.warn("the checkpoint listener of job '{}' failed on checkpoint {}: {}", logical.name(), p.id, e.toString());
      }
    }

    /** The source records {@code t} has read so far (0 for a task without a source split). */
    private static long recordsRead(StreamTask t) {
      return t.readNode == null ? 0 : t.readNode.out;
    }

    private static java.time.Duration since(Pending p, long nanos) {
      return java.time.Duration.ofNanos(Math.max(0, nanos - p.startNanos));
    }

    /**
     * The job ended (bounded input): a last checkpoint records the remaining committables, then they
     * are committed. On the coordinating thread, after every other thread ended.
     */
    void completeLast() throws IOException {
      Pending open;
      synchronized (this) {
        open = pending; // micro-batch: the batch the input ended in, committed by this last checkpoint
      }
      close();
      synchronized (this) {
        if (stoppedAtSavepoint) {
          return;
        }
        if (open != null && lastCompleted >= open.id) {
          open = null; // it completed (and was reported) while the job ended
        }
      }
      List<List<Prepared>> toCommit = new ArrayList<>();
      List<StreamExecution.SinkLoop> loops = exec.sinkLoops();
      synchronized (this) {
        for (int i = 0; i < uncommitted.size(); i++) {
          List<Prepared> l = new ArrayList<>(uncommitted.get(i));
          Object last = loops.get(i).committable;
          boolean present = false;
          for (Prepared c : l) {
            present |= c.committable() == last;
          }
          if (last != null && !present) {
            // committed with an earlier checkpoint already; again here (idempotent) so the last
            // commit holds every writer's end
            l.add(new Prepared(0, last, serde.toBytes(last), 0));
          }
          toCommit.add(l);
        }
      }
      long id = nextId.getAndIncrement();
      // Reported as the open batch in micro-batch mode (its id, trigger and phases so far), else as itself.
      Pending p = exec.microBatch && open != null ? open : new Pending(id);
      List<StreamTask> tasks = exec.tasks();
      synchronized (this) {
        for (StreamTask t : tasks) {
          p.readAt[t.ordinal] = recordsRead(t); // every task has ended: the rest of the input
        }
      }
      boolean written = false;
      try {
        writeMetadata(id, System.currentTimeMillis(), 0, 0, 0, true, List.of(), toCommit, List.of(), 0);
        written = true;
      } catch (IOException | RuntimeException e) {
        // The output is committed all the same; only a crash during this commit could then repeat it.
        LOG.warn("the last checkpoint of job '{}' failed: {}", logical.name(), e.getMessage());
      }
      long completedNanos = System.nanoTime();
      commit(toCommit);
      long committedNanos = System.nanoTime();
      report(p, completedNanos, committedNanos, committedNanos - completedNanos, 0, 0);
      if (written) {
        retain();
      }
    }

    private void writeMetadata(long id, long startMillis, long durationNanos, long alignNanos, long size, boolean last,
                               List<StateFile> files, List<List<Prepared>> toCommit,
                               List<CheckpointMetadata.NativeFile> natives, long written) throws IOException {
      List<Committable> committables = new ArrayList<>();
      List<StreamExecution.SinkLoop> loops = exec.sinkLoops();
      for (int i = 0; i < toCommit.size(); i++) {
        StreamExecution.SinkLoop l = loops.get(i);
        for (Prepared c : toCommit.get(i)) {
          committables.add(new Committable(l.transformId, l.index, c.id(), c.bytes()));
        }
      }
      storage.writeMetadata(new CheckpointMetadata(CheckpointStorage.METADATA_VERSION, logical.name(), id,
          startMillis, durationNanos / 1_000_000, alignNanos, size, last, signature,
          List.copyOf(serde.writtenClassNames()), files, committables, natives, written));
    }

    @SuppressWarnings("unchecked")
    private void commit(List<List<Prepared>> toCommit) throws IOException {
      Map<Integer, List<Object>> bySink = new java.util.TreeMap<>();
      Map<Integer, dev.sluice.api.sink.Sink<Object>> sinks = new HashMap<>();
      List<StreamExecution.SinkLoop> loops = new ArrayList<>(exec.sinkLoops());
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < loops.size(); i++) {
        order.add(i);
      }
      order.sort((a, b) -> Integer.compare(loops.get(a).index, loops.get(b).index));
      for (int i : order) {
        StreamExecution.SinkLoop l = loops.get(i);
        sinks.put(l.transformId, l.sink);
        for (Prepared c : toCommit.get(i)) {
          bySink.computeIfAbsent(l.transformId, k -> new ArrayList<>()).add(c.committable());
        }
      }
      for (Map.Entry<Integer, List<Object>> e : bySink.entrySet()) {
        sinks.get(e.getKey()).commit(e.getValue());
      }
    }
  }

  /**
   * Tests only: called on the writer thread before a task's state for a checkpoint is written (to
   * hold a write back while the task goes on). Null in production.
   */
  static volatile java.util.function.BiConsumer<StreamTask, TaskState> beforeStateWrite;

  /**
   * Tests only: called on a sink writer's thread that reached the end of its input, before its last
   * committable is recorded (to hold it there while checkpoints go on). Null in production.
   */
  static volatile java.util.function.BiConsumer<StreamExecution, StreamExecution.SinkLoop> beforeSinkFinished;

  /** Marks a source-driven task whose split was fully read before the checkpoint it restores from. */
  record FinishedSplit(String id) implements SourceSplit {}
}
