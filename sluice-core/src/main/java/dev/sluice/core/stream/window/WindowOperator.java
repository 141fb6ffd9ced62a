package dev.sluice.core.stream.window;

import dev.sluice.api.Aggregation;
import dev.sluice.api.plan.Op;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowFunction;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.state.KeyGroupEntries;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keyed windows ({@link Op.Window}): tumbling, sliding, session and global windows over event or
 * processing time, with allowed lateness, a late side output, count and early-firing triggers.
 *
 * <p>Design note. The operator owns time (the watermark, or the processing-time clock), the timer
 * queue, early-firing bookkeeping, lateness routing and emission; per-key window state lives in
 * one of two engines:
 * <ul>
 *   <li>{@link PaneWindows} (tumbling and sliding windows, no count trigger): each key keeps one
 *       accumulator (or element list) per pane, a slice of {@code gcd(size, slide)} ms. An element
 *       touches exactly one pane; a window's result is its panes combined at firing time, or, when
 *       the aggregation can deduct, a running accumulator slid by combining the entering panes and
 *       deducting the leaving ones.</li>
 *   <li>{@link GenericWindows} (sessions, global windows, count triggers, and sliding windows whose
 *       aggregation cannot combine): each key keeps a small sorted list of windows with their
 *       accumulator or elements; sessions merge there.</li>
 * </ul>
 * Timers: a {@code TreeMap} from time to the keys that need attention then; each key remembers
 * its earliest registration ({@link KeyState#nextTimer}), so a key is registered once per firing,
 * not per element, and stale registrations are skipped. "Time" is a threshold on the watermark: a
 * key registered at {@code t} is processed once the watermark is at least {@code t}. In processing
 * time the threshold is the clock minus one (a window fires when the clock reaches its end).
 *
 * <p>Not thread-safe: driven by one thread at a time, as every {@link StreamOperator}.
 */
public final class WindowOperator implements StreamOperator {
  final WindowSpec spec;
  final Trigger trigger;
  final boolean processingTime;
  /** Allowed lateness in ms; 0 in processing time, where nothing is ever late. */
  final long lateness;
  final String lateTag;
  final Aggregation<Object, Object, Object> agg;
  final WindowFunction<Object, Object, Object> fn;
  final long countEvery;
  final long earlyEvery;
  private final WindowEngine engine;

  OperatorContext ctx;
  Output out;
  /** Windows with {@code maxTimestamp <= wm} have fired: the watermark, or processing time - 1. */
  long wm = Long.MIN_VALUE;
  private long lastEmittedWatermark = Long.MIN_VALUE;
  private final TreeMap<Long, ArrayList<Object>> timers = new TreeMap<>();
  /** The entry of {@link #timers} last registered into (null: none): most keys register for a few times. */
  private ArrayList<Object> lastKeys;
  private long lastTime;
  private ArrayList<Object> dirtyKeys = new ArrayList<>();
  private ArrayList<Object> spareDirtyKeys = new ArrayList<>();
  private long earlyDue = Long.MAX_VALUE;

  /** The constructor the streaming runtime calls. */
  public WindowOperator(Op.Window op) {
    this(op, true);
  }

  /** {@code panes = false} forces the generic engine (tests compare the two). */
  @SuppressWarnings("unchecked")
  WindowOperator(Op.Window op, boolean panes) {
    if ((op.aggregation() == null) == (op.function() == null)) {
      throw new IllegalArgumentException("a window needs exactly one of an aggregation and a window function");
    }
    this.spec = op.spec();
    this.trigger = op.trigger() == null ? Trigger.onTime() : op.trigger();
    this.processingTime = spec.domain() == TimeDomain.PROCESSING_TIME;
    this.lateness = processingTime ? 0 : op.allowedLatenessMs();
    this.lateTag = op.lateTag();
    this.agg = (Aggregation<Object, Object, Object>) op.aggregation();
    this.fn = (WindowFunction<Object, Object, Object>) op.function();
    this.countEvery = trigger.countEvery();
    this.earlyEvery = trigger.earlyEveryMs();
    this.engine = panes && PaneWindows.supports(this) ? new PaneWindows(this) : new GenericWindows(this);
  }

  /** Which engine holds the state: {@code panes} or {@code generic} (for tests and explain output). */
  String engineName() {
    return engine instanceof PaneWindows ? "panes" : "generic";
  }

  /** Keys holding window state (memory stays bounded: keys go when their last window expires). */
  int keyCount() {
    return engine.keyCount();
  }

  @Override
  public void open(OperatorContext context) {
    this.ctx = context;
    this.out = context.output();
  }

  @Override
  public void processElement(int input, Object key, Object value, long timestamp) throws Exception {
    long ts;
    if (processingTime) {
      ts = ctx.currentProcessingTime();
    } else {
      if (timestamp == Long.MIN_VALUE) {
        throw new IllegalStateException(ctx.name() + ": element " + value + " of key " + key
            + " has no event timestamp; assign timestamps (withTimestamps) before the window, or window in processing time");
      }
      ts = timestamp;
    }
    engine.element(key, value, ts, timestamp);
  }

  @Override
  public void processWatermark(long watermark) throws Exception {
    if (!processingTime && watermark > wm) {
      advance(watermark);
    }
    forwardWatermark(watermark);
  }

  @Override
  public void onProcessingTime(long now) throws Exception {
    if (processingTime && now - 1 > wm) {
      advance(now - 1);
    }
    if (earlyDue <= now) {
      earlyDue = Long.MAX_VALUE;
      ArrayList<Object> keys = dirtyKeys;
      dirtyKeys = spareDirtyKeys;
      spareDirtyKeys = keys;
      for (int i = 0; i < keys.size(); i++) {
        Object key = keys.get(i);
        KeyState st = engine.state(key);
        if (st != null && st.earlyDirty) {
          st.earlyDirty = false;
          engine.fireEarly(key, st);
        }
      }
      keys.clear();
    }
  }

  // ---- checkpoints ----

  /**
   * What a checkpoint holds of a window operator. Per key (by key group, so a restore at another
   * parallelism keeps the groups a task owns): the engine's window state, as a {@link PaneKey} or a
   * {@link GenericKey}, with the key's pending timer and early-firing flag. For the operator: its
   * time ({@code wm}: the watermark, or processing time - 1), the last watermark it forwarded, and
   * when the pending early firing is due.
   *
   * @param engine {@code panes} or {@code generic}; a restore checks it is the same
   * @param wm windows with {@code maxTimestamp <= wm} have fired
   * @param earlyDue processing time of the pending early firing, {@code Long.MAX_VALUE} if none
   */
  public record Snapshot(int version, String engine, int maxKeyGroups, long wm, long lastEmittedWatermark,
      long earlyDue, ArrayList<KeyGroupEntries> groups) implements Serializable {
    public static final int VERSION = 1;
  }

  /**
   * One key's panes ({@link PaneWindows}): pane indexes with their accumulators or element lists
   * (copies) and early-firing flags; the first window not fired yet; the running accumulator of
   * deduct mode ({@code run}, a copy, over panes {@code [runLo, runHi]}), kept so the results stay
   * bit-for-bit those of an uninterrupted run.
   *
   * @param nextTimer the time the key is registered at, {@code Long.MAX_VALUE} if none
   */
  public record PaneKey(long nextTimer, boolean earlyDirty, long nextWindow, long[] panes, Object[] contents,
      boolean[] dirty, Object run, long runLo, long runHi, int runPanes) implements Serializable {}

  /** One key's windows ({@link GenericWindows}), sorted by start. */
  public record GenericKey(long nextTimer, boolean earlyDirty, ArrayList<GenericWin> windows) implements Serializable {}

  /** One window of {@link GenericKey}: its extent, content (accumulator or element list, a copy) and flags. */
  public record GenericWin(long start, long end, Object content, long count, boolean fired, boolean dirty)
      implements Serializable {}

  @Override
  public Object snapshotState(long checkpointId) {
    KeyGroupEntries.Collector c = new KeyGroupEntries.Collector(ctx.maxKeyGroups());
    engine.snapshot(c);
    return new Snapshot(Snapshot.VERSION, engineName(), ctx.maxKeyGroups(), wm, lastEmittedWatermark, earlyDue, c.build());
  }

  /**
   * Keeps the keys of the key groups this task owns from every old task's snapshot, re-registers
   * their timers (asking the runtime again for processing-time callbacks) and early firings. The
   * operator's time is the smallest of the old tasks' (equal at an aligned checkpoint).
   */
  @Override
  public void restoreState(List<Object> snapshots) {
    long time = Long.MAX_VALUE;
    long emitted = Long.MAX_VALUE;
    long early = Long.MAX_VALUE;
    boolean any = false;
    for (Object o : snapshots) {
      if (o == null) {
        continue;
      }
      Snapshot s = (Snapshot) o;
      if (s.version() != Snapshot.VERSION || !s.engine().equals(engineName())) {
        throw new IllegalArgumentException(ctx.name() + ": cannot restore a window snapshot of version " + s.version()
            + " and engine " + s.engine() + " into version " + Snapshot.VERSION + " and engine " + engineName()
            + " (was the window changed?)");
      }
      any = true;
      time = Math.min(time, s.wm());
      emitted = Math.min(emitted, s.lastEmittedWatermark());
    }
    if (!any) {
      return;
    }
    wm = time;
    lastEmittedWatermark = emitted;
    engine.timeAdvanced(wm);
    boolean sameTasks = snapshots.size() == ctx.parallelism();
    for (int j = 0; j < snapshots.size(); j++) {
      Snapshot s = (Snapshot) snapshots.get(j);
      if (s == null) {
        continue;
      }
      int dirtyBefore = dirtyKeys.size();
      KeyGroupEntries.forOwned(ctx, "a window snapshot", s.maxKeyGroups(), s.groups(), (key, entry) -> {
        KeyState st = engine.restore(key, entry);
        if (st.nextTimer != Long.MAX_VALUE) {
          keysAt(st.nextTimer).add(key);
        }
        if (st.earlyDirty) {
          dirtyKeys.add(key);
        }
      });
      // Early firings are timed per task: at the same parallelism a task keeps its own pending one
      // (even with no dirty key left: changes made before it is due are emitted then, as without
      // the restore); rescaled, the earliest of the old tasks whose dirty keys it took.
      if (sameTasks ? j == ctx.partition() : dirtyKeys.size() > dirtyBefore) {
        early = Math.min(early, s.earlyDue());
      }
    }
    if (early == Long.MAX_VALUE && !dirtyKeys.isEmpty()) {
      early = ctx.currentProcessingTime() + earlyEvery;
    }
    earlyDue = early;
    if (early != Long.MAX_VALUE) {
      ctx.requestProcessingTime(early);
    }
  }

  /** End of input: every window fires as if the watermark were {@code Long.MAX_VALUE}. */
  @Override
  public void finish() throws Exception {
    if (wm < Long.MAX_VALUE) {
      advance(Long.MAX_VALUE);
    }
    engine.clear();
    timers.clear();
    lastKeys = null;
    if (!processingTime) {
      forwardWatermark(Long.MAX_VALUE);
    }
  }

  @Override
  public void close() {
    engine.clear();
    timers.clear();
    lastKeys = null;
  }

  private void forwardWatermark(long watermark) {
    if (watermark > lastEmittedWatermark) {
      lastEmittedWatermark = watermark;
      out.emitWatermark(watermark);
    }
  }

  /** Moves time to {@code to} and processes every key registered at or before it, in time order. */
  private void advance(long to) throws Exception {
    wm = to;
    engine.timeAdvanced(to);
    Map.Entry<Long, ArrayList<Object>> e;
    while ((e = timers.firstEntry()) != null && e.getKey() <= to) {
      timers.pollFirstEntry();
      long t = e.getKey();
      if (e.getValue() == lastKeys) {
        lastKeys = null;
      }
      ArrayList<Object> keys = e.getValue();
      for (int i = 0; i < keys.size(); i++) {
        Object key = keys.get(i);
        KeyState st = engine.state(key);
        if (st != null && st.nextTimer == t) {
          st.nextTimer = Long.MAX_VALUE;
          engine.onTimer(key, st);
        }
      }
    }
  }

  // ---- services for the engines ----

  /** Registers {@code key} to be processed once time reaches {@code time}, unless it already is earlier. */
  void schedule(Object key, KeyState st, long time) {
    if (time < st.nextTimer && time > wm) {
      st.nextTimer = time;
      keysAt(time).add(key);
    }
  }

  /**
   * The keys registered for {@code time}: the last entry used when it is that time's (no boxing or
   * tree lookup), else the tree's, created if absent (in processing time also asking for the callback).
   */
  private ArrayList<Object> keysAt(long time) {
    ArrayList<Object> keys = lastKeys;
    if (keys != null && lastTime == time) {
      return keys;
    }
    keys = timers.get(time);
    if (keys == null) {
      keys = new ArrayList<>();
      timers.put(time, keys);
      if (processingTime && time < Long.MAX_VALUE - 1) {
        ctx.requestProcessingTime(time + 1);
      }
    }
    lastKeys = keys;
    lastTime = time;
    return keys;
  }

  /** A window of {@code key} that is still open changed: it is due an early firing. */
  void markChanged(Object key, KeyState st) {
    if (!st.earlyDirty) {
      st.earlyDirty = true;
      dirtyKeys.add(key);
      if (earlyDue == Long.MAX_VALUE) {
        earlyDue = ctx.currentProcessingTime() + earlyEvery;
        ctx.requestProcessingTime(earlyDue);
      }
    }
  }

  /** An element for windows that have all expired: to the side output, or counted. Never dropped silently. */
  void late(Object value, long timestamp) {
    if (lateTag != null) {
      out.emitSide(lateTag, value, timestamp);
    } else {
      ctx.countLateDropped(value, timestamp);
    }
  }

  /** {@code maxTimestamp + lateness}, saturating: the watermark at which a window's state goes. */
  long cleanupTime(long maxTimestamp) {
    long t = maxTimestamp + lateness;
    return t < maxTimestamp ? Long.MAX_VALUE : t;
  }

  Object newContent() {
    return fn != null ? new ArrayList<>() : agg.create();
  }

  void emitAccumulator(Object key, Window w, Object acc) throws Exception {
    out.emit(new Windowed<>(key, w, agg.export(acc)), w.maxTimestamp());
  }

  /** Fires a window held as its elements: the window function, or the aggregation over them. */
  void emitElements(Object key, Window w, List<Object> elements) throws Exception {
    long ts = w.maxTimestamp();
    if (fn != null) {
      Output o = out;
      fn.process(key, w, elements, r -> o.emit(r, ts));
    } else {
      Object acc = agg.create();
      for (int i = 0, n = elements.size(); i < n; i++) {
        acc = agg.accumulate(acc, elements.get(i));
      }
      emitAccumulator(key, w, acc);
    }
  }

  /** Per-key state common to both engines: timer and early-firing bookkeeping. */
  abstract static class KeyState {
    long nextTimer = Long.MAX_VALUE;
    boolean earlyDirty;
  }

  /** Where per-key window state lives. */
  abstract static class WindowEngine {
    abstract KeyState state(Object key);

    /** One element at {@code ts} (event or processing time); {@code timestamp} is the element's own. */
    abstract void element(Object key, Object value, long ts, long timestamp) throws Exception;

    /** Time moved to {@code wm}; called before the keys due are processed. */
    void timeAdvanced(long wm) {}

    /** Fires what is due for the key at the operator's current time, purges what expired, reschedules. */
    abstract void onTimer(Object key, KeyState st) throws Exception;

    /** Emits partial results of the key's open windows that changed since their last early firing. */
    abstract void fireEarly(Object key, KeyState st) throws Exception;

    abstract void clear();

    abstract int keyCount();

    /** Adds every key's state to {@code c} as a {@link PaneKey} or {@link GenericKey} (copies). */
    abstract void snapshot(KeyGroupEntries.Collector c);

    /** Recreates a key's state from its snapshot entry (copying it) and returns it. */
    abstract KeyState restore(Object key, Object entry);
  }
}
