package dev.sluice.core.runtime;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.plan.ExchangeSpec;
import dev.sluice.core.plan.PhysicalPlan;
import dev.sluice.core.plan.Planner;
import dev.sluice.core.plan.StageSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch job: plans it, opens the sinks, splits the sources, then schedules stages as their
 * input exchanges complete, each as one task per source split or per partition on a fixed pool of
 * worker threads. A failed task is retried alone (its inputs are still there) with exponential
 * backoff; a task that fails every attempt fails the job with one message naming the stage, the
 * partition, the input position and the cause. Sinks commit only when every stage succeeded; on
 * failure they abort, and the job's spill files are removed either way.
 *
 * <p>Threading: {@link #run} is the coordinator and the only thread touching scheduling state; tasks
 * report back through a queue.
 */
final class JobExecution {
  private static final Logger LOG = LoggerFactory.getLogger(JobExecution.class);

  /**
   * Share of the max heap for the memory budget by default. Estimates are rough and the JVM needs
   * headroom to collect garbage without thrashing, so this stays well below one half.
   */
  static final double DEFAULT_BUDGET_FRACTION = 0.3;

  final PhysicalPlan plan;
  final RunOptions options;
  final JobResources resources;
  final Exchange[] exchanges;
  final AtomicLong bytesRead = new AtomicLong();
  private volatile boolean cancelled;
  private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
  private final List<List<SplitRef>> splits = new ArrayList<>();
  private final LongAdder[] recordsIn;
  private final LongAdder[] recordsOut;
  private final LongAdder[] skipped;
  private final LongAdder[] deadLettered;
  private final Object[][] committables;
  private final int[] remaining;
  private final boolean[] started;
  private final int parallelism;
  private Failure failure;
  private int running;
  private ExecutorService workers;
  private ScheduledExecutorService timer;
  private final long startNanos = System.nanoTime();

  /** A source split and the Read transform it belongs to. */
  record SplitRef(int transform, SourceSplit split) {}

  private record Failure(TaskAttempt task, Throwable error) {}

  JobExecution(LogicalPlan logical, RunOptions options) {
    this.options = options;
    this.parallelism = options.effectiveParallelism();
    this.plan = Planner.plan(logical, parallelism);
    long budget = options.memoryBudgetBytes() > 0
        ? options.memoryBudgetBytes()
        : Math.max(16L << 20, (long) (Runtime.getRuntime().maxMemory() * DEFAULT_BUDGET_FRACTION));
    this.resources = new JobResources(new MemoryBudget(budget), Serde.forPlan(logical), options.tempDir(), logical.name());
    int n = logical.transforms().size();
    recordsIn = adders(n);
    recordsOut = adders(n);
    skipped = adders(n);
    deadLettered = adders(n);
    committables = new Object[n][];
    exchanges = new Exchange[plan.exchanges().size()];
    remaining = new int[plan.stages().size()];
    started = new boolean[plan.stages().size()];
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  boolean cancelled() {
    return cancelled;
  }

  private volatile boolean cancelRequested;

  /** Cancels from any thread: running tasks stop at their next record chunk, then {@link #run} throws. */
  void cancel() {
    cancelRequested = true;
    cancelled = true;
    events.add(() -> {
      throw new CancellationException("job '" + plan.logical().name() + "' was cancelled");
    });
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  /** The result of a cancelled run. */
  JobResult cancelledResult() {
    return result(JobResult.Status.CANCELLED, startNanos, plan.explain());
  }

  int taskCount(StageSpec stage) {
    return stage.sourceDriven() ? splits.get(stage.id()).size() : stage.parallelism();
  }

  JobResult run() {
    long start = startNanos;
    String explain = plan.explain();
    List<Sink<?>> sinks = new ArrayList<>();
    try {
      openSinks(sinks);
      createSplits();
      for (ExchangeSpec e : plan.exchanges()) {
        exchanges[e.id()] = new Exchange(e, plan.stages().get(e.consumerStage()).parallelism(), resources);
      }
      workers = Executors.newFixedThreadPool(parallelism, threads("sluice-worker"));
      timer = Executors.newSingleThreadScheduledExecutor(threads("sluice-timer"));
      if (options.progress() != null) {
        long total = totalBytes();
        timer.scheduleAtFixedRate(() -> options.progress().accept(new RunOptions.Progress(bytesRead.get(), total)),
            100, 100, TimeUnit.MILLISECONDS);
      }
      schedule();
      if (failure != null) {
        throw fail(failure, start, explain);
      }
      for (Sink<?> sink : sinks) {
        commit(sink);
      }
      if (options.progress() != null) {
        options.progress().accept(new RunOptions.Progress(bytesRead.get(), totalBytes()));
      }
      return result(JobResult.Status.SUCCEEDED, start, explain);
    } catch (IOException e) {
      abortSinks(sinks);
      throw new JobFailedException("job '" + plan.logical().name() + "' failed: " + e.getMessage(), e,
          result(JobResult.Status.FAILED, start, explain));
    } catch (RuntimeException e) {
      abortSinks(sinks);
      throw e;
    } finally {
      cancelled = true;
      if (workers != null) {
        workers.shutdownNow();
        timer.shutdownNow();
        try {
          workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      for (Exchange e : exchanges) {
        if (e != null) {
          e.dispose();
        }
      }
      resources.close();
    }
  }

  @SuppressWarnings("unchecked")
  private void commit(Sink<?> sink) throws IOException {
    for (int id : plan.live()) {
      Transform t = plan.transform(id);
      if (t.op() instanceof Op.Write w && w.sink() == sink) {
        List<Object> list = new ArrayList<>(List.of(nonNull(committables[id])));
        ((Sink<Object>) sink).commit(list);
      }
    }
  }

  private static Object[] nonNull(Object[] a) {
    List<Object> out = new ArrayList<>();
    for (Object o : a) {
      if (o != null) {
        out.add(o);
      }
    }
    return out.toArray();
  }

  private void openSinks(List<Sink<?>> sinks) throws IOException {
    for (int id : plan.live()) {
      Transform t = plan.transform(id);
      if (t.op() instanceof Op.Write w) {
        StageSpec s = plan.stages().get(plan.stageOf()[id]);
        w.sink().open(s.parallelism());
        sinks.add(w.sink());
      }
    }
  }

  private void createSplits() throws IOException {
    for (StageSpec s : plan.stages()) {
      List<SplitRef> refs = new ArrayList<>();
      for (int id : s.sources()) {
        Source<?> source = ((Op.Read) plan.transform(id).op()).source();
        for (SourceSplit split : source.splits(s.parallelism())) {
          refs.add(new SplitRef(id, split));
        }
      }
      splits.add(refs);
    }
  }

  private long totalBytes() {
    long total = 0;
    for (List<SplitRef> l : splits) {
      for (SplitRef r : l) {
        total += Math.max(0, r.split().sizeBytes());
      }
    }
    return total;
  }

  private void schedule() {
    for (StageSpec s : plan.stages()) {
      Object[] perTask = new Object[taskCount(s)];
      for (int id : s.transforms()) {
        if (plan.transform(id).op() instanceof Op.Write) {
          committables[id] = perTask.clone();
        }
      }
      remaining[s.id()] = taskCount(s);
    }
    int completed = 0;
    startReadyStages();
    while (completed < plan.stages().size() && failure == null) {
      Runnable event;
      try {
        event = events.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancelled = true;
        throw new CancellationException("job '" + plan.logical().name() + "' interrupted");
      }
      event.run();
      completed = 0;
      for (int r : remaining) {
        completed += r == 0 ? 1 : 0;
      }
    }
    if (failure != null) {
      cancelled = true;
      while (running > 0) {
        try {
          events.take().run();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
  }

  private void startReadyStages() {
    for (StageSpec s : plan.stages()) {
      if (started[s.id()]) {
        continue;
      }
      boolean ready = true;
      for (int e : s.inputs()) {
        ready &= remaining[plan.exchanges().get(e).producerStage()] == 0;
      }
      if (!ready) {
        continue;
      }
      started[s.id()] = true;
      if (remaining[s.id()] == 0) {
        stageCompleted(s);
        continue;
      }
      for (int i = 0; i < taskCount(s); i++) {
        submit(new TaskAttempt(this, s, i, 1, s.sourceDriven() ? splits.get(s.id()).get(i) : null));
      }
    }
  }

  private void submit(TaskAttempt task) {
    running++;
    workers.execute(task);
  }

  /** Called on the task's thread; hands the outcome to the coordinator. */
  void taskEnded(TaskAttempt task, Throwable error) {
    events.add(() -> onTaskEnded(task, error));
  }

  private void onTaskEnded(TaskAttempt task, Throwable error) {
    running--;
    StageSpec s = task.stage;
    if (error == null) {
      for (Node n : task.nodes) {
        if (!(n instanceof AggregateNodes.Combine)) {
          recordsIn[n.transformId].add(n.in);
          recordsOut[n.transformId].add(n.out);
        }
      }
      if (task.split != null) {
        skipped[task.split.transform()].add(task.skipped);
        deadLettered[task.split.transform()].add(task.deadLettered);
      }
      for (SinkNode sn : task.sinks) {
        committables[sn.transformId][task.index] = sn.committable;
      }
      if (--remaining[s.id()] == 0) {
        stageCompleted(s);
      }
      return;
    }
    bytesRead.addAndGet(-task.bytesCounted);
    if (failure != null || cancelled) {
      return;
    }
    if (task.attempt < options.maxAttempts() && isRetryable(error)) {
      long backoff = options.retryBackoff().toMillis() << Math.min(10, task.attempt - 1);
      backoff = Math.min(backoff, 10_000);
      LOG.warn("stage {} task {} failed (attempt {} of {}), retrying in {} ms: {}", s.id(), task.index, task.attempt,
          options.maxAttempts(), backoff, describe(error));
      TaskAttempt retry = new TaskAttempt(this, s, task.index, task.attempt + 1, task.split);
      running++;
      timer.schedule(() -> {
        if (cancelled) {
          taskEnded(retry, new CancellationException("job is being cancelled"));
        } else {
          workers.execute(retry);
        }
      }, backoff, TimeUnit.MILLISECONDS);
      return;
    }
    failure = new Failure(task, error);
    cancelled = true;
  }

  /** Bad input does not get better by retrying. */
  private static boolean isRetryable(Throwable error) {
    return !(error instanceof BadRecordException);
  }

  private void stageCompleted(StageSpec s) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("stage {} complete after {} ms; memory budget {} of {} bytes reserved, {} spill files ({} bytes)",
          s.id(), (System.nanoTime() - startNanos) / 1_000_000, resources.budget.used(), resources.budget.limit(),
          resources.spillFiles.get(), resources.spilledBytes.get());
    }
    for (int e : s.outputs()) {
      exchanges[e].seal();
    }
    for (int e : s.inputs()) {
      exchanges[e].dispose();
    }
    startReadyStages();
  }

  private JobFailedException fail(Failure f, long start, String explain) {
    TaskAttempt t = f.task();
    StringBuilder ops = new StringBuilder();
    for (int id : t.stage.transforms()) {
      if (ops.length() > 0) {
        ops.append(" -> ");
      }
      ops.append(plan.transform(id).op().label());
    }
    String where = t.split != null
        ? "split " + t.split.split().id() + " (task " + t.index + ")"
        : "partition " + t.index;
    String message = "job '" + plan.logical().name() + "' failed: stage " + t.stage.id() + " [" + ops + "], " + where
        + ", failed after " + t.attempt + " attempt" + (t.attempt == 1 ? "" : "s") + " at " + t.position + ": "
        + describe(f.error());
    return new JobFailedException(message, f.error(), result(JobResult.Status.FAILED, start, explain));
  }

  static String describe(Throwable error) {
    if (error instanceof UserFunctionException u) {
      Throwable c = u.getCause();
      return u.operator + " threw " + c.getClass().getName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
    if (error instanceof BadRecordException) {
      return error.getMessage();
    }
    if (error instanceof UncheckedIOException u) {
      return u.getMessage();
    }
    return error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
  }

  private void abortSinks(List<Sink<?>> sinks) {
    for (Sink<?> s : sinks) {
      try {
        s.abort();
      } catch (RuntimeException e) {
        LOG.warn("aborting sink {} failed: {}", s.name(), e.toString());
      }
    }
  }

  private JobResult result(JobResult.Status status, long start, String explain) {
    List<JobResult.OperatorMetrics> metrics = new ArrayList<>();
    for (int id : plan.live()) {
      Transform t = plan.transform(id);
      metrics.add(new JobResult.OperatorMetrics(id, t.name(), recordsIn[id].sum(), recordsOut[id].sum(),
          skipped[id].sum(), deadLettered[id].sum()));
    }
    return new JobResult(plan.logical().name(), status, Duration.ofNanos(System.nanoTime() - start), metrics, explain);
  }

  static String abbreviate(String s) {
    return s.length() <= 100 ? s : s.substring(0, 97) + "...";
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
