package dev.sluice.core.runtime;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.plan.ExchangeKind;
import dev.sluice.core.plan.ExchangeSpec;
import dev.sluice.core.plan.PhysicalPlan;
import dev.sluice.core.plan.Planner;
import dev.sluice.core.plan.StageSpec;
import dev.sluice.core.stream.channel.Batch;
import dev.sluice.core.stream.channel.Channel;
import dev.sluice.core.stream.channel.Control;
import dev.sluice.core.stream.channel.IdleStrategy;
import dev.sluice.core.stream.channel.LatencyHistogram;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job on the pipelined streaming runtime: every stage is deployed at once, tasks connected
 * by bounded {@link Channel}s of record batches and control items (watermarks, idleness, end of
 * input), driven cooperatively by a fixed pool of worker threads.
 *
 * <p>Design note. Threads: {@code parallelism} workers, each owning a fixed set of
 * {@link StreamTask}s that it calls round-robin ({@code doWork} returns the work done; an
 * {@link IdleStrategy} spins, yields, then parks with backoff when nothing happened). Blocking I/O
 * never runs on a worker: blocking source readers ({@link Source#blocking()}) read on their own I/O
 * thread into a channel consumed by the split's task, and every sink writer writes on its own thread
 * from a channel; a sink thread backs off like a worker while records flow and, idle for about a
 * millisecond, parks until the producer's offer or {@link #stop} unparks it
 * ({@link Channel#awaitItem}), so it costs no CPU between bursts and its producer pays no wake-ups
 * while records flow.
 * Non-blocking sources are read by their task on the worker, fused with the chain.
 * Backpressure: a full channel makes its producer keep the batch and stop taking input until it
 * drains, all the way back to the sources. A coordinator thread waits for all threads, then commits
 * the sinks (all tasks ended) or aborts them (failure, cancel) and removes the job's temp files.
 * There is no per-task retry: a failing task fails the job (checkpoints come with issue 4).
 */
final class StreamExecution {
  private static final Logger LOG = LoggerFactory.getLogger(StreamExecution.class);

  final PhysicalPlan plan;
  final RunOptions options;
  final StreamConfig config;
  final JobResources resources;
  /** Creates the keyed state backend of each stream operator task ({@link RunOptions#stateBackend()}). */
  final dev.sluice.core.stream.state.KeyedStateBackendFactory stateBackends;
  final InstantSource clock;
  private final int parallelism;
  private volatile boolean stopped;
  private volatile boolean cancelled;
  private final AtomicReference<Failure> failure = new AtomicReference<>();
  private final List<List<JobExecution.SplitRef>> splits = new ArrayList<>();
  private final int[] taskCounts;
  /** [exchange][producer task][consumer task]. */
  private Channel[][][] exchangeChannels;
  /** [write transform][task]. */
  private final Channel[][] sinkChannels;
  private final List<StreamTask> tasks = new ArrayList<>();
  private final List<SinkLoop> sinkLoops = new ArrayList<>();
  private final List<SourceLoop> sourceLoops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final List<Sink<?>> sinks = new ArrayList<>();
  private final CompletableFuture<JobResult> future = new CompletableFuture<>();
  private final String explain;
  private long startNanos;
  private volatile long endNanos;

  private record Failure(String where, String position, Throwable error) {}

  /** Checkpoints of this job run, or null without checkpointing. */
  final StreamCheckpoints checkpoints;
  /** The checkpoint this attempt restores, or null. */
  final StreamCheckpoints.Restored restored;
  /** This attempt's checkpoint bookkeeping, or null. */
  StreamCheckpoints.Attempt checkpointAttempt;
  /** Micro-batch mode (with checkpoints): source splits read planned batches. */
  final boolean microBatch;
  /** Per source split, its micro-batch handshake (micro-batch mode). */
  private final List<MicroSplit> microSplits = new ArrayList<>();
  private MicroBatches microBatches;
  /** availableNow finished its batches: the job stops and succeeds. */
  private volatile boolean drained;

  StreamExecution(LogicalPlan logical, RunOptions options, StreamConfig config) {
    this(logical, options, config, null, null);
  }

  StreamExecution(LogicalPlan logical, RunOptions options, StreamConfig config, StreamCheckpoints checkpoints,
                  StreamCheckpoints.Restored restored) {
    this.checkpoints = checkpoints;
    this.restored = restored;
    this.microBatch = checkpoints != null && options.mode() == RunOptions.Mode.MICRO_BATCH;
    this.options = options;
    this.config = config;
    this.parallelism = options.effectiveParallelism();
    this.plan = Planner.plan(logical, parallelism, true);
    this.explain = plan.explain();
    this.clock = options.clock();
    long budget = options.memoryBudgetBytes() > 0
        ? options.memoryBudgetBytes()
        : Math.max(16L << 20, (long) (Runtime.getRuntime().maxMemory() * JobExecution.DEFAULT_BUDGET_FRACTION));
    // Fails now, before anything runs, when the backend's module is not on the class path.
    this.stateBackends = dev.sluice.core.stream.state.KeyedStateBackends.factory(options.stateBackend(), classLoader());
    this.resources = new JobResources(new MemoryBudget(budget), Serde.forPlan(logical), options.tempDir(), logical.name());
    this.taskCounts = new int[plan.stages().size()];
    this.sinkChannels = new Channel[logical.transforms().size()][];
    if (config.operators() == null) {
      // Fails now, before anything runs, when an operator implementation is not on the class path.
      for (int id : plan.live()) {
        dev.sluice.core.stream.StreamOperators.check(plan.transform(id).op(), classLoader());
      }
    }
  }

  dev.sluice.core.stream.StreamOperator createOperator(Op op) {
    return config.operators() != null
        ? config.operators().apply(op, classLoader())
        : dev.sluice.core.stream.StreamOperators.create(op, classLoader());
  }

  ClassLoader classLoader() {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    return cl != null ? cl : StreamExecution.class.getClassLoader();
  }

  int taskCount(StageSpec s) {
    return taskCounts[s.id()];
  }

  boolean stopped() {
    return stopped;
  }

  List<StreamTask> tasks() {
    return tasks;
  }

  List<SinkLoop> sinkLoops() {
    return sinkLoops;
  }

  List<SourceLoop> sourceLoops() {
    return sourceLoops;
  }

  /** The checkpoint coordinator gave up (too many failed checkpoints, or a commit failed). */
  void failCheckpoint(String message) {
    fail("checkpoints", "checkpoint", new IllegalStateException(message));
  }

  Channel[] channelsInto(ExchangeSpec e, int consumer) {
    Channel[][] byProducer = exchangeChannels[e.id()];
    Channel[] out = new Channel[byProducer.length];
    for (int p = 0; p < byProducer.length; p++) {
      out[p] = byProducer[p][consumer];
    }
    return out;
  }

  Channel[] channelsFrom(ExchangeSpec e, int producer) {
    return exchangeChannels[e.id()][producer];
  }

  Channel sinkChannel(int writeTransform, int task) {
    return sinkChannels[writeTransform][task];
  }

  /** All channels of the job, for tests and metrics: exchanges, sink feeds and blocking-source feeds. */
  List<Channel> channels() {
    List<Channel> all = new ArrayList<>();
    for (Channel[][] e : exchangeChannels) {
      for (Channel[] p : e) {
        all.addAll(List.of(p));
      }
    }
    for (Channel[] s : sinkChannels) {
      if (s != null) {
        all.addAll(List.of(s));
      }
    }
    for (SourceLoop l : sourceLoops) {
      all.add(l.channel);
    }
    return all;
  }

  /** Starts every thread and returns at once. Fails synchronously when sinks or splits cannot be prepared. */
  JobHandle start() {
    startNanos = System.nanoTime();
    try {
      openSinks();
      createSplits();
      createChannels();
      createTasks();
      if (checkpoints != null) {
        checkpointAttempt = checkpoints.attach(this);
      }
    } catch (IOException e) {
      abortSinks();
      resources.close();
      throw new JobFailedException("job '" + plan.logical().name() + "' failed: " + e.getMessage(), e,
          result(JobResult.Status.FAILED));
    } catch (RuntimeException e) {
      abortSinks();
      resources.close();
      throw e;
    }
    String job = plan.logical().name().replaceAll("[^A-Za-z0-9._-]", "_");
    int workers = Math.max(1, Math.min(parallelism, tasks.size()));
    List<List<StreamTask>> assignment = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      assignment.add(new ArrayList<>());
    }
    for (int i = 0; i < tasks.size(); i++) {
      assignment.get(i % workers).add(tasks.get(i));
    }
    for (int w = 0; w < workers; w++) {
      List<StreamTask> mine = assignment.get(w);
      threads.add(thread("sluice-stream-worker-" + job + "-" + w, () -> work(mine)));
    }
    for (SourceLoop l : sourceLoops) {
      threads.add(thread("sluice-io-source-" + job + "-" + l.task.index, l));
    }
    for (SinkLoop l : sinkLoops) {
      threads.add(thread("sluice-io-sink-" + job + "-" + l.transformId + "-" + l.index, l));
    }
    Thread coordinator = thread("sluice-stream-coordinator-" + job, this::coordinate);
    for (Thread t : threads) {
      t.start();
    }
    if (microBatch) {
      microBatches = new MicroBatches(this, checkpointAttempt,
          new dev.sluice.core.checkpoint.MicroBatchLog(checkpoints.storage.jobDir()), options.trigger(), microSplits);
      thread("sluice-micro-batch-" + job, microBatches).start();
    } else if (checkpointAttempt != null && !(restored != null && restored.metadata().last())) {
      // Not joined by the coordinator: it ends when the attempt is closed or stopped.
      thread("sluice-checkpoint-trigger-" + job, checkpointAttempt::runTrigger).start();
    }
    coordinator.start();
    return new LocalJobHandle(future, this::cancel);
  }

  private static Thread thread(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Stop with savepoint: the savepoint's output is committed; stop like a cancel, committing nothing more. */
  void stopAfterSavepoint() {
    cancel();
  }

  void cancel() {
    if (!stopped) {
      cancelled = true;
      stop();
    }
  }

  /** availableNow: every batch committed; stops the job, which then succeeds. */
  void finishAfterBatch() {
    drained = true;
    stop();
  }

  private void fail(String where, String position, Throwable error) {
    if (failure.compareAndSet(null, new Failure(where, position, error))) {
      stop();
    }
  }

  /**
   * Every thread checks the flag in its loop; source threads may sit in a blocking read, so they are
   * interrupted; sink threads may be parked waiting for their channel, so they are unparked (after
   * the volatile write of the flag, which {@link Channel#awaitItem} re-reads before parking).
   */
  private void stop() {
    stopped = true;
    for (SourceLoop l : sourceLoops) {
      Thread t = l.thread;
      if (t != null && t != Thread.currentThread()) {
        t.interrupt();
      }
    }
    for (Channel[] c : sinkChannels) { // not sinkLoops: commitSinks sorts that list in place
      if (c != null) {
        for (Channel sinkChannel : c) {
          sinkChannel.wakeConsumer();
        }
      }
    }
  }

  // ---------------------------------------------------------------- setup

  private void openSinks() throws IOException {
    for (int id : plan.live()) {
      Transform t = plan.transform(id);
      if (t.op() instanceof Op.Write w) {
        StageSpec s = plan.stages().get(plan.stageOf()[id]);
        if (restored != null) {
          w.sink().recover(s.parallelism(), restored.committables().getOrDefault(id, List.of()));
        } else {
          w.sink().open(s.parallelism());
        }
        sinks.add(w.sink());
      }
    }
  }

  private void createSplits() throws IOException {
    for (StageSpec s : plan.stages()) {
      List<JobExecution.SplitRef> refs = new ArrayList<>();
      if (restored != null && s.sourceDriven()) {
        // The unread rest of every old task's split, whatever the old parallelism was.
        for (dev.sluice.core.checkpoint.TaskState state : restored.byStage().getOrDefault(s.id(), List.of())) {
          if (state.remaining() != null) {
            refs.add(new JobExecution.SplitRef(state.sourceTransform(), state.remaining()));
          } else if (microBatch) {
            // keeps task indices (the offset log's split keys) stable across restarts
            refs.add(new JobExecution.SplitRef(s.sources().get(0), new StreamCheckpoints.FinishedSplit("finished")));
          }
        }
        if (refs.isEmpty() || restored.metadata().last()) {
          refs.clear();
          refs.add(new JobExecution.SplitRef(s.sources().get(0), new StreamCheckpoints.FinishedSplit("finished")));
        }
        splits.add(refs);
        taskCounts[s.id()] = refs.size();
        continue;
      }
      for (int id : s.sources()) {
        Source<?> source = ((Op.Read) plan.transform(id).op()).source();
        for (SourceSplit split : source.splits(s.parallelism())) {
          refs.add(new JobExecution.SplitRef(id, split));
        }
      }
      splits.add(refs);
      taskCounts[s.id()] = s.sourceDriven() ? refs.size() : s.parallelism();
    }
  }

  private void createChannels() {
    exchangeChannels = new Channel[plan.exchanges().size()][][];
    for (ExchangeSpec e : plan.exchanges()) {
      int producers = taskCounts[e.producerStage()];
      int consumers = taskCounts[e.consumerStage()];
      boolean keyed = e.kind() == ExchangeKind.HASH && !e.combined();
      Channel[][] c = new Channel[producers][consumers];
      for (int p = 0; p < producers; p++) {
        for (int q = 0; q < consumers; q++) {
          c[p][q] = new Channel(config.channelCapacity(), config.batchSize(), keyed);
        }
      }
      exchangeChannels[e.id()] = c;
    }
    for (int id : plan.live()) {
      if (plan.transform(id).op() instanceof Op.Write) {
        int n = taskCounts[plan.stageOf()[id]];
        Channel[] c = new Channel[n];
        for (int i = 0; i < n; i++) {
          c[i] = new Channel(config.channelCapacity(), config.batchSize(), false, true); // sink loops park
        }
        sinkChannels[id] = c;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void createTasks() {
    for (StageSpec s : plan.stages()) {
      for (int i = 0; i < taskCounts[s.id()]; i++) {
        JobExecution.SplitRef split = s.sourceDriven() ? splits.get(s.id()).get(i) : null;
        Channel io = null;
        Source<Object> source = null;
        if (split != null) {
          source = (Source<Object>) ((Op.Read) plan.transform(split.transform()).op()).source();
          // A source that reuses its record objects must feed its (combining) aggregation by plain
          // calls, never through a channel, so it is read fused on the worker even if it blocks.
          if (source.blocking() && !source.reusesRecords()) {
            io = new Channel(config.channelCapacity(), config.batchSize(), false);
          }
        }
        StreamTask task = new StreamTask(this, s, i, split, io, restoredOperators(s));
        task.ordinal = tasks.size();
        if (microBatch && split != null) {
          task.micro = new MicroSplit(s.id(), i);
          task.micro.ended = split.split() instanceof StreamCheckpoints.FinishedSplit;
          microSplits.add(task.micro);
        }
        tasks.add(task);
        if (io != null) {
          sourceLoops.add(new SourceLoop(task, source, io));
        }
        for (int id : s.transforms()) {
          if (plan.transform(id).op() instanceof Op.Write w) {
            SinkLoop l = new SinkLoop(id, i, taskCounts[s.id()], (Sink<Object>) w.sink(), sinkChannels[id][i]);
            l.ordinal = sinkLoops.size();
            sinkLoops.add(l);
          }
        }
      }
    }
  }

  /** Per transform of {@code s}, the snapshots of all old tasks (one entry each, null for none). */
  private java.util.Map<Integer, List<Object>> restoredOperators(StageSpec s) {
    if (restored == null || restored.metadata().last()) {
      return null;
    }
    java.util.Map<Integer, List<Object>> byTransform = new java.util.HashMap<>();
    List<dev.sluice.core.checkpoint.TaskState> states = restored.byStage().getOrDefault(s.id(), List.of());
    for (int id : s.transforms()) {
      List<Object> l = new ArrayList<>();
      for (dev.sluice.core.checkpoint.TaskState state : states) {
        l.add(state.operators().get(id));
      }
      byTransform.put(id, l);
    }
    return byTransform;
  }

  // ---------------------------------------------------------------- threads

  private void work(List<StreamTask> mine) {
    IdleStrategy idle = new IdleStrategy(config.maxParkNanos());
    StreamTask[] ts = mine.toArray(new StreamTask[0]);
    try {
      while (!stopped) {
        int work = 0;
        boolean all = true;
        for (StreamTask t : ts) {
          if (t.finished) {
            continue;
          }
          try {
            work += t.doWork();
          } catch (Throwable e) {
            fail("stage " + t.stage.id() + " [" + operators(t.stage) + "], " + t.describeTask(), t.position, e);
            return;
          }
          all &= t.finished;
        }
        if (all) {
          return;
        }
        idle.idle(work);
      }
    } finally {
      for (StreamTask t : ts) {
        t.release(t.finished && failure.get() == null && !cancelled);
      }
    }
  }

  private String operators(StageSpec s) {
    StringBuilder ops = new StringBuilder();
    for (int id : s.transforms()) {
      if (ops.length() > 0) {
        ops.append(" -> ");
      }
      ops.append(plan.transform(id).op().label());
    }
    return ops.toString();
  }

  private void coordinate() {
    for (Thread t : threads) {
      boolean done = false;
      while (!done) {
        try {
          t.join();
          done = true;
        } catch (InterruptedException e) {
          cancel();
        }
      }
    }
    endNanos = System.nanoTime();
    Failure f = failure.get();
    try {
      if (f == null && drained) {
        checkpointAttempt.close(); // every batch committed already
        resources.close();
        future.complete(result(JobResult.Status.SUCCEEDED));
        return;
      }
      if (f == null && !cancelled) {
        try {
          if (checkpointAttempt != null) {
            checkpointAttempt.completeLast();
            if (microBatches != null) {
              microBatches.endOfInput();
            }
          } else {
            commitSinks();
          }
        } catch (IOException | RuntimeException e) {
          resources.close();
          future.completeExceptionally(new JobFailedException("job '" + plan.logical().name()
              + "' failed: committing the output failed: " + e, e, result(JobResult.Status.FAILED)));
          return;
        }
        resources.close();
        future.complete(result(JobResult.Status.SUCCEEDED));
        return;
      }
      if (checkpointAttempt != null) {
        // Staged output may belong to a complete checkpoint whose commit has not run: the next run's
        // Sink.recover commits or discards it.
        checkpointAttempt.close();
      } else {
        abortSinks();
      }
      resources.close();
      if (f != null) {
        String message = "job '" + plan.logical().name() + "' failed: " + f.where() + ", at " + f.position() + ": "
            + JobExecution.describe(f.error());
        future.completeExceptionally(new JobFailedException(message, f.error(), result(JobResult.Status.FAILED)));
      } else {
        future.complete(result(JobResult.Status.CANCELLED));
      }
    } catch (Throwable t) {
      future.completeExceptionally(t);
    }
  }

  @SuppressWarnings("unchecked")
  private void commitSinks() throws IOException {
    for (int id : plan.live()) {
      Transform t = plan.transform(id);
      if (t.op() instanceof Op.Write w) {
        List<Object> committables = new ArrayList<>();
        sinkLoops.sort((a, b) -> Integer.compare(a.index, b.index));
        for (SinkLoop l : sinkLoops) {
          if (l.transformId == id && l.committable != null) {
            committables.add(l.committable);
          }
        }
        ((Sink<Object>) w.sink()).commit(committables);
      }
    }
  }

  private void abortSinks() {
    for (Sink<?> s : sinks) {
      try {
        s.abort();
      } catch (RuntimeException e) {
        LOG.warn("aborting sink {} failed: {}", s.name(), e.toString());
      }
    }
  }

  private JobResult result(JobResult.Status status) {
    int n = plan.logical().transforms().size();
    long[] in = new long[n];
    long[] out = new long[n];
    long[] skipped = new long[n];
    long[] dead = new long[n];
    long[] late = new long[n];
    long events = 0;
    for (StreamTask t : tasks) {
      for (Node node : t.nodes) {
        if (node instanceof AggregateNodes.Combine || node instanceof StreamNodes.ExchangeOut) {
          continue;
        }
        Node counted = node instanceof StreamNodes.BuildFirstJoin b ? b.join : node;
        in[node.transformId] += counted.in;
        out[node.transformId] += counted.out;
        if (node instanceof StreamNodes.Operator op) {
          late[node.transformId] += op.lateDropped;
        }
      }
      if (t.readNode != null) {
        events += t.readNode.out;
      }
      if (t.split != null) {
        skipped[t.split.transform()] += t.sourceContext.skipped;
        dead[t.split.transform()] += t.sourceContext.deadLettered;
      }
    }
    for (SourceLoop l : sourceLoops) {
      skipped[l.task.split.transform()] += l.context.skipped;
      dead[l.task.split.transform()] += l.context.deadLettered;
    }
    List<JobResult.OperatorMetrics> metrics = new ArrayList<>();
    for (int id : plan.live()) {
      Transform t = plan.transform(id);
      metrics.add(new JobResult.OperatorMetrics(id, t.name(), in[id], out[id], skipped[id], dead[id], late[id]));
    }
    LatencyHistogram h = new LatencyHistogram();
    for (SinkLoop l : sinkLoops) {
      h.add(l.latency);
    }
    long end = endNanos == 0 ? System.nanoTime() : endNanos;
    Duration d = Duration.ofNanos(end - startNanos);
    JobResult.StreamStats stats = new JobResult.StreamStats(events, d, h.count(), h.quantileMs(0.5), h.quantileMs(0.99),
        h.quantileMs(0.999));
    return new JobResult(plan.logical().name(), status, d, metrics, explain, stats);
  }

  /** Reads one blocking source split on an I/O thread into the channel its task consumes. */
  final class SourceLoop implements Runnable {
    final StreamTask task;
    final Source<Object> source;
    final Channel channel;
    final RuntimeSourceContext context;
    final IdleStrategy idle = new IdleStrategy(config.maxParkNanos());
    volatile Thread thread;
    /** The latest checkpoint triggered; set by the coordinator. */
    volatile long triggered;
    private long barrierSent;
    private Batch current;
    private SplitReader<Object> reader;

    SourceLoop(StreamTask task, Source<Object> source, Channel channel) {
      this.task = task;
      this.source = source;
      this.channel = channel;
      this.context = new RuntimeSourceContext(source, task.index, 1, null, RuntimeSourceContext.STREAM_LOG);
      if (source.badRecordPolicy() == BadRecordPolicy.DEAD_LETTER) {
        context.deadLetters = r -> add(new StreamNodes.DeadLetterEnvelope((dev.sluice.api.source.DeadLetter) r),
            Long.MIN_VALUE);
      }
    }

    private final SourceOutput<Object> out = new SourceOutput<>() {
      @Override public void collect(Object record, long timestamp) { add(record, timestamp); }

      @Override public void collect(Object record) { add(record, Long.MIN_VALUE); }

      @Override
      public void emitWatermark(long watermark) {
        if (watermark > sourceWatermark) {
          sourceWatermark = watermark;
          Batch b = current;
          if (b != null && b.size > 0) {
            current = null;
            put(b);
          }
          put(Control.watermark(watermark));
        }
      }
    };
    private long sourceWatermark = Long.MIN_VALUE;

    private void add(Object record, long ts) {
      Batch b = current;
      if (b == null) {
        b = current = channel.obtain();
        b.stampNanos = System.nanoTime();
      }
      int n = b.size;
      b.records[n] = record;
      b.timestamps[n] = ts;
      b.size = n + 1;
      if (n + 1 == b.records.length) {
        current = null;
        put(b);
      }
    }

    private void put(Object item) {
      while (!channel.offer(item)) {
        if (stopped) {
          throw new CancellationException("job is being stopped");
        }
        idle.idle(0);
      }
      idle.reset();
    }

    @Override
    public void run() {
      thread = Thread.currentThread();
      String split = task.split.split().id();
      try {
        if (task.split.split() instanceof StreamCheckpoints.FinishedSplit) {
          put(Control.END);
          return;
        }
        reader = source.reader(task.split.split(), context);
        context.reader = reader;
        if (checkpoints != null) {
          StreamTask.checkRemainingSplit(reader, source);
        }
        MicroSplit micro = task.micro;
        if (micro != null) {
          StreamTask.checkMicroBatch(reader, source);
        }
        boolean more = true;
        long notified = 0;
        while (more && !stopped) {
          long c = task.completed;
          if (c > notified && checkpoints != null) {
            notified = c;
            reader.notifyCheckpointComplete(c);
          }
          if (micro != null) {
            long r = micro.poll(reader, barrierSent);
            if (r != MicroSplit.READ) {
              if (r > 0) {
                Batch pendingBatch = current;
                if (pendingBatch != null && pendingBatch.size > 0) {
                  current = null;
                  put(pendingBatch);
                }
                barrierSent = r;
                put(Control.barrier(r, reader.remainingSplit(r)));
              } else {
                idle.idle(0);
              }
              continue;
            }
          }
          long t = micro != null ? 0 : triggered;
          if (t > barrierSent) {
            Batch pendingBatch = current;
            if (pendingBatch != null && pendingBatch.size > 0) {
              current = null;
              put(pendingBatch);
            }
            barrierSent = t;
            put(Control.barrier(t, reader.remainingSplit(t)));
          }
          long before = channel.size();
          more = reader.read(out);
          Batch b = current;
          if (b != null && b.size > 0) {
            current = null;
            put(b);
          } else if (more && before == channel.size()) {
            idle.idle(0);
          }
        }
        if (!stopped) {
          if (micro != null) {
            micro.ended = true;
          }
          put(Control.END);
        }
      } catch (CancellationException e) {
        // Stopped while waiting for room.
      } catch (Throwable t) {
        if (!stopped) {
          String position = "split " + split;
          try {
            position = reader != null ? reader.position() : "opening split " + split;
          } catch (RuntimeException ignored) {
            // Keep the split id.
          }
          fail("stage " + task.stage.id() + " [" + operators(task.stage) + "], " + task.describeTask(), position, t);
        }
      } finally {
        if (reader != null) {
          try {
            reader.close();
          } catch (IOException | RuntimeException e) {
            LOG.warn("closing reader of split {} failed: {}", split, e.toString());
          }
        }
      }
    }
  }

  /** Writes one sink task's records on an I/O thread; measures end-to-end latency. */
  final class SinkLoop implements Runnable {
    /** A safety net only: the producer's offer and {@link #stop} unpark the sink thread. */
    private static final long PARK_TIMEOUT_NANOS = 100_000_000L;
    final int transformId;
    final int index;
    final int taskCount;
    final Sink<Object> sink;
    final Channel channel;
    final LatencyHistogram latency = new LatencyHistogram();
    volatile Object committable;
    /**
     * The writer reached the end of its input and its last committable is recorded: from then on
     * checkpoints count it as acknowledged (set only by {@code Attempt.sinkFinished} with checkpoints).
     */
    volatile boolean done;
    int ordinal;
    long written;

    SinkLoop(int transformId, int index, int taskCount, Sink<Object> sink, Channel channel) {
      this.transformId = transformId;
      this.index = index;
      this.taskCount = taskCount;
      this.sink = sink;
      this.channel = channel;
    }

    @Override
    public void run() {
      String name = plan.transform(transformId).name() + " (#" + transformId + ")";
      BooleanSupplier stopCondition = StreamExecution.this::stopped;
      IdleStrategy idle = new IdleStrategy(config.maxParkNanos());
      SinkWriter<Object> writer = null;
      boolean closed = false;
      try {
        writer = sink.writer(new WriterContext(index, taskCount, 1, checkpointAttempt != null));
        while (!stopped) {
          Object item = channel.poll();
          if (item == null) {
            // While records flow, the usual backoff (the producer then never pays for a wake-up);
            // idle for about a millisecond, park until the producer or stop signals.
            if (idle.longIdle()) {
              channel.awaitItem(PARK_TIMEOUT_NANOS, stopCondition);
            } else {
              idle.idle(0);
            }
            continue;
          }
          idle.idle(1);
          if (item instanceof Batch b) {
            Object[] records = b.records;
            for (int i = 0, n = b.size; i < n; i++) {
              writer.write(records[i]);
            }
            if (b.stampNanos != Batch.NO_STAMP) {
              latency.recordNanos(System.nanoTime() - b.stampNanos, b.size);
            }
            written += b.size;
            channel.recycle(b);
          } else if (((Control) item).kind() == Control.Kind.BARRIER) {
            long id = ((Control) item).checkpointId();
            Object c = writer.prepareCommit(id);
            checkpointAttempt.sinkPrepared(this, id, c);
          } else if (((Control) item).kind() == Control.Kind.END) {
            committable = writer.prepareCommit();
            writer.close();
            closed = true;
            if (checkpointAttempt != null) {
              checkpointAttempt.sinkFinished(this, committable); // records the committable, then sets done
            } else {
              this.done = true;
            }
            return;
          }
        }
      } catch (Throwable t) {
        fail("sink " + name + ", partition " + index, "record " + (written + 1) + " written by this writer",
            t instanceof UserFunctionException ? t : new UserFunctionException(name, t));
      } finally {
        if (!closed && writer != null) {
          try {
            writer.abort();
            writer.close();
          } catch (IOException | RuntimeException e) {
            LOG.warn("aborting writer of {} failed: {}", name, e.toString());
          }
        }
      }
    }
  }
}
