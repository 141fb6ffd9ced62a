package dev.sluice.core.stream.keyed;

import java.util.List;

import dev.sluice.api.SideOutput;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.state.State;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.TimerService;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.InspectableKeyedState;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.state.HeapKeyedStateBackend;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateBackend;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import dev.sluice.core.stream.state.NativeCheckpointFiles;
import dev.sluice.core.stream.state.NativeCheckpointing;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts a {@link KeyedProcessFunction} ({@link Op.KeyedProcess}): keyed state in a
 * {@link KeyedStateBackend} (the job's choice, {@link OperatorContext#createKeyedStateBackend}) owned
 * by this task's key-group range, event-time and processing-time
 * timers, side outputs. Driven by one thread (see {@link StreamOperator}).
 *
 * <p>Semantics, as in Flink:
 * <ul>
 *   <li>State handles and timer calls refer to the key of the element or timer being processed.
 *   <li>Main-output records carry the element's timestamp; in {@code onTimer} the timer's time for
 *       event-time timers and none ({@link Long#MIN_VALUE}) for processing-time timers, which is
 *       also what {@code ctx.timestamp()} returns there.
 *   <li>Timers are deduplicated per key and time. Event-time timers fire, in time order, when a
 *       watermark {@code w >= time} arrives, before {@code w} is forwarded (a timer registered at or
 *       below the current watermark fires with the next watermark). Processing-time timers fire
 *       from {@link #onProcessingTime} once the clock reaches them.
 *   <li>{@link #finish()} (end of input) fires every remaining event-time timer as if the watermark
 *       were {@link Long#MAX_VALUE}; pending processing-time timers are dropped: at the end of
 *       bounded input no more processing time passes for the job.
 *   <li>State with a TTL is removed lazily when read and by a sweep every smallest-TTL of processing
 *       time (a processing-time callback requested from the runtime).
 * </ul>
 */
public final class KeyedProcessOperator implements StreamOperator, InspectableKeyedState {
  private static final Logger LOG = LoggerFactory.getLogger(KeyedProcessOperator.class);

  private final KeyedProcessFunction<Object, Object, Object> function;
  private final Contexts contexts = new Contexts();
  private OperatorContext ctx;
  private Output out;
  private KeyedStateBackend backend;
  private long watermark = Long.MIN_VALUE;
  /** Timestamp of the element or timer being processed, stamped on what it emits. */
  private long timestamp = Long.MIN_VALUE;
  private TimeDomain timerDomain;
  private long ttlSweepEvery;
  private long nextSweep = Long.MAX_VALUE;

  @SuppressWarnings("unchecked")
  public KeyedProcessOperator(Op.KeyedProcess op) {
    this.function = (KeyedProcessFunction<Object, Object, Object>) Objects.requireNonNull(op.function(), "function");
  }

  @Override
  public void open(OperatorContext ctx) throws Exception {
    this.ctx = ctx;
    this.out = ctx.output();
    this.backend = ctx.createKeyedStateBackend();
    function.open(contexts);
    ttlSweepEvery = backend.minTtlMillis();
    if (ttlSweepEvery > 0) {
      scheduleSweep(ctx.currentProcessingTime());
    }
  }

  @Override
  public void processElement(int input, Object key, Object value, long timestamp) throws Exception {
    backend.setCurrentKey(key);
    this.timestamp = timestamp;
    this.timerDomain = null;
    try {
      function.processElement(value, contexts, contexts);
    } finally {
      backend.clearCurrentKey();
    }
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    this.watermark = watermark;
    fireEventTimers(watermark);
    out.emitWatermark(watermark);
  }

  @Override
  public void onProcessingTime(long now) throws Exception {
    timerDomain = TimeDomain.PROCESSING_TIME;
    timestamp = Long.MIN_VALUE;
    try {
      while (backend.pollTimer(TimeDomain.PROCESSING_TIME, now)) {
        function.onTimer(backend.polledTimerTime(), contexts, contexts);
      }
    } finally {
      backend.clearCurrentKey();
    }
    if (backend.timerCount(TimeDomain.PROCESSING_TIME) > 0) {
      // Every registered time was requested when registered; after a restore only the earliest was.
      ctx.requestProcessingTime(backend.earliestTimer(TimeDomain.PROCESSING_TIME));
    }
    if (now >= nextSweep) {
      backend.removeExpired();
      scheduleSweep(now);
    }
  }

  @Override
  public void finish() throws Exception {
    watermark = Long.MAX_VALUE;
    fireEventTimers(Long.MAX_VALUE);
  }

  @Override
  public void close() {
    try {
      function.close();
    } catch (Exception e) {
      LOG.warn("{}: the keyed process function's close() failed", ctx == null ? "keyedProcess" : ctx.name(), e);
    }
    if (backend != null) {
      backend.close();
    }
  }

  /**
   * What a checkpoint holds of this operator: the keyed state and both kinds of timers of every key
   * group the task owns (by key group, so a restore at another parallelism picks its groups), and
   * the current watermark (what {@code ctx.currentWatermark()} returns).
   *
   * @param watermark the last watermark received
   * @param state the backend's state and timers; containers and array accumulators are copies
   */
  public record Snapshot(long watermark, KeyedStateSnapshot state) implements java.io.Serializable {}

  /**
   * A native (file) checkpoint of the backend ({@link NativeCheckpointing}), taken when the job
   * checkpoints and the backend supports it (RocksDB): the files are copied by the runtime, the
   * handle names them.
   *
   * @param watermark the last watermark received
   * @param handle the backend's handle ({@link NativeCheckpointing#checkpointNative})
   */
  public record NativeSnapshot(long watermark, Object handle) implements java.io.Serializable {}

  /**
   * Where a checkpoint holds this operator's heap state as parts of an incremental snapshot
   * ({@link HeapKeyedStateBackend#snapshotIncremental}): the runtime writes each part into the job's
   * shared directory and replaces the {@link Snapshot} by this list of their names, oldest (full)
   * first; a restore reads them back and folds them into one {@link Snapshot}.
   *
   * @param watermark the last watermark received
   * @param parts the file names of the parts in the shared checkpoint directory
   */
  public record IncrementalSnapshot(long watermark, List<String> parts) implements java.io.Serializable {}

  /**
   * The keyed state and timers of this task's key groups, and its watermark: a native checkpoint
   * when the runtime stores them and the backend can; an incremental heap snapshot when the job
   * checkpoints into a checkpoint directory (see {@link IncrementalSnapshot}); else the backend's
   * {@code snapshot()}.
   */
  @Override
  public Object snapshotState(long checkpointId) {
    NativeCheckpointFiles files = ctx.nativeCheckpoints();
    if (files != null && backend instanceof NativeCheckpointing n) {
      return new NativeSnapshot(watermark, n.checkpointNative(checkpointId, files));
    }
    if (files != null && files.incrementalHeap() && backend instanceof HeapKeyedStateBackend heap) {
      return new Snapshot(watermark, heap.snapshotIncremental(checkpointId));
    }
    return new Snapshot(watermark, backend.snapshot());
  }

  /** A completed checkpoint: an incremental heap snapshot taken for it becomes the base of the next. */
  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (backend instanceof HeapKeyedStateBackend heap) {
      heap.checkpointComplete(checkpointId);
    }
  }

  /**
   * Restores the key groups this task owns from the snapshots of all old tasks (the others are
   * ignored); the watermark is the smallest of the old tasks' (they are equal at an aligned
   * checkpoint). Processing-time timers are asked of the runtime again.
   */
  @Override
  public void restoreState(List<Object> snapshots) {
    long wm = Long.MAX_VALUE;
    boolean any = false;
    List<Object> handles = new java.util.ArrayList<>();
    for (Object o : snapshots) {
      if (o == null) {
        continue;
      }
      if (o instanceof NativeSnapshot ns) {
        handles.add(ns.handle());
        wm = Math.min(wm, ns.watermark());
      } else if (o instanceof IncrementalSnapshot inc) {
        throw new IllegalStateException(ctx.name() + ": the checkpoint's incremental state " + inc.parts()
            + " was not read back before the restore (the checkpoint runtime folds the parts)");
      } else {
        Snapshot s = (Snapshot) o;
        backend.restore(s.state());
        wm = Math.min(wm, s.watermark());
      }
      any = true;
    }
    if (!handles.isEmpty()) {
      NativeCheckpointFiles files = ctx.nativeCheckpoints();
      if (!(backend instanceof NativeCheckpointing n) || files == null || files.restoreCheckpointDir() == null) {
        throw new IllegalStateException(ctx.name() + ": the checkpoint holds this operator's keyed state as native"
            + " RocksDB files, which the " + (backend instanceof NativeCheckpointing ? "runtime (no checkpoint"
            + " storage)" : "job's state backend") + " cannot restore; run the job with the state backend 'rocksdb'"
            + " (--state rocksdb) to restore it");
      }
      n.restoreNative(handles, files.restoreCheckpointDir(), files.restoreSharedDir());
    }
    if (any) {
      watermark = wm;
    }
    if (backend.timerCount(TimeDomain.PROCESSING_TIME) > 0) {
      ctx.requestProcessingTime(backend.earliestTimer(TimeDomain.PROCESSING_TIME));
    }
  }

  /** The keyed state and timers of {@code groups}; see {@link HeapKeyedStateBackend#snapshot}. */
  public KeyedStateSnapshot snapshotState(KeyGroupRange groups) {
    return backend.snapshot(groups);
  }

  /**
   * Restores the entries and timers of {@code snapshot} that belong to this task's key groups. Call
   * after {@link #open} and before the first element.
   */
  public void restoreState(KeyedStateSnapshot snapshot) {
    backend.restore(snapshot);
    if (backend.timerCount(TimeDomain.PROCESSING_TIME) > 0) {
      ctx.requestProcessingTime(backend.earliestTimer(TimeDomain.PROCESSING_TIME));
    }
  }

  @Override
  public Object stateValue(String stateName, Object key) {
    try {
      return backend.inspect(stateName, key);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("state '" + stateName + "' of key " + key + " could not be read: " + e, e);
    }
  }

  @Override
  public List<PendingTimer> pendingTimers() {
    return backend.pendingTimers();
  }

  /** The state backend (after {@link #open}): for checkpoints and tests. */
  public KeyedStateBackend backend() {
    return backend;
  }

  private void fireEventTimers(long limit) throws Exception {
    timerDomain = TimeDomain.EVENT_TIME;
    try {
      while (backend.pollTimer(TimeDomain.EVENT_TIME, limit)) {
        timestamp = backend.polledTimerTime();
        function.onTimer(timestamp, contexts, contexts);
      }
    } finally {
      backend.clearCurrentKey();
    }
  }

  private void scheduleSweep(long now) {
    nextSweep = now > Long.MAX_VALUE - ttlSweepEvery ? Long.MAX_VALUE : now + ttlSweepEvery;
    ctx.requestProcessingTime(nextSweep);
  }

  /** The one context object handed to every call: init, element and timer context, timers, collector. */
  private final class Contexts implements KeyedProcessFunction.InitContext, KeyedProcessFunction.TimerContext<Object>,
      TimerService, Collector<Object> {
    @Override
    public <S extends State> S state(StateSpec<S> spec) {
      return backend.state(spec);
    }

    @Override
    public int partition() {
      return ctx.partition();
    }

    @Override
    public Object currentKey() {
      return backend.currentKey();
    }

    @Override
    public long timestamp() {
      return timestamp;
    }

    @Override
    public TimerService timers() {
      return this;
    }

    @Override
    public <X> void output(SideOutput<X> tag, X value) {
      out.emitSide(tag.name(), value, timestamp);
    }

    @Override
    public TimeDomain timeDomain() {
      return timerDomain;
    }

    @Override
    public void collect(Object record) {
      out.emit(record, timestamp);
    }

    @Override
    public long currentProcessingTime() {
      return ctx.currentProcessingTime();
    }

    @Override
    public long currentWatermark() {
      return watermark;
    }

    @Override
    public void registerEventTimeTimer(long time) {
      backend.registerTimer(TimeDomain.EVENT_TIME, time);
    }

    @Override
    public void registerProcessingTimeTimer(long time) {
      if (backend.registerTimer(TimeDomain.PROCESSING_TIME, time)) {
        ctx.requestProcessingTime(time);
      }
    }

    @Override
    public void deleteEventTimeTimer(long time) {
      backend.deleteTimer(TimeDomain.EVENT_TIME, time);
    }

    @Override
    public void deleteProcessingTimeTimer(long time) {
      backend.deleteTimer(TimeDomain.PROCESSING_TIME, time);
    }
  }
}
