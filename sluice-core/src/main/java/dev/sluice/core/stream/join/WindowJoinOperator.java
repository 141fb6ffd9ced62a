package dev.sluice.core.stream.join;

import dev.sluice.api.Joined;
import dev.sluice.api.plan.Op;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.state.KeyGroupEntries;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Windowed inner join ({@link Op.WindowJoin}), as Flink's {@code join().where().equalTo().window()}:
 * both inputs (0 = left, 1 = right) are buffered per key and window; when the watermark reaches the
 * window's {@link Window#maxTimestamp()} every (left, right) pair of the key and window is emitted as
 * {@code Windowed<key, window, Joined<left, right>>} stamped with {@code maxTimestamp()} (left-major,
 * in arrival order), and the window's buffers are dropped. A window with one empty side emits
 * nothing.
 *
 * <p>Windows: tumbling and sliding (an element joins in each window that contains it), session (per
 * key; an element opens {@code [t, t + gap)} and overlapping windows merge, with their buffers;
 * touching ones do not, see {@link #overlaps}), global (fires only at the end of input). Over processing time (the spec's domain) the
 * element's window is the one of the processing clock when it arrives, and windows fire from
 * processing-time callbacks; watermarks are then only forwarded.
 *
 * <p>Late elements (event time): an element is assigned only to windows that have not fired
 * ({@code maxTimestamp > watermark}); if that leaves none it is counted with
 * {@link OperatorContext#countLateDropped} (joins have no late side output). {@link #finish()} fires
 * every remaining window, in both time domains. The buffers are plain on-heap lists (no spilling).
 *
 * <p>Checkpoints ({@link Snapshot}): per key, by key group, every live window with copies of both
 * sides' buffers; the watermark. Firing times are not stored: every restored window is scheduled
 * again at its {@code maxTimestamp} (processing-time callbacks are asked for again).
 */
public final class WindowJoinOperator implements StreamOperator {
  private final WindowSpec spec;
  private final boolean processingTime;
  /** key -> window -> buffered elements of both sides. */
  private final HashMap<Object, HashMap<Window, Pane>> panes = new HashMap<>();
  /** maxTimestamp -> windows to fire then (an entry whose pane was merged away is skipped). */
  private final TreeMap<Long, ArrayList<KeyWindow>> firing = new TreeMap<>();
  private OperatorContext ctx;
  private Output out;
  private long watermark = Long.MIN_VALUE;

  private record KeyWindow(Object key, Window window) {}

  private static final class Pane {
    final ArrayList<Object> left = new ArrayList<>(4);
    final ArrayList<Object> right = new ArrayList<>(4);

    void add(int input, Object value) {
      (input == 0 ? left : right).add(value);
    }

    void addAll(Pane other) {
      left.addAll(other.left);
      right.addAll(other.right);
    }
  }

  public WindowJoinOperator(Op.WindowJoin op) {
    this.spec = Objects.requireNonNull(op.spec(), "spec");
    this.processingTime = spec.domain() == TimeDomain.PROCESSING_TIME;
  }

  @Override
  public void open(OperatorContext ctx) {
    this.ctx = ctx;
    this.out = ctx.output();
  }

  @Override
  public void processElement(int input, Object key, Object value, long timestamp) {
    long t;
    if (processingTime) {
      t = ctx.currentProcessingTime();
    } else {
      if (timestamp == Long.MIN_VALUE) {
        throw new IllegalStateException(ctx.name() + ": an element has no event timestamp, but the window join is over"
            + " event time: assign timestamps to both inputs (withTimestamps) or use a processing-time window ("
            + "WindowSpec.inProcessingTime())");
      }
      t = timestamp;
    }
    boolean assigned = false;
    switch (spec.kind()) {
      case TUMBLING, SLIDING -> {
        long size = spec.size();
        for (long start = spec.lastStart(t); start > t - size; start -= spec.slide()) {
          Window w = new Window(start, start + size);
          if (isLate(w)) {
            continue;
          }
          pane(key, w).add(input, value);
          assigned = true;
        }
      }
      case SESSION -> {
        Window w = new Window(t, t + spec.gap());
        if (!isLate(w)) {
          addToSession(key, w, input, value);
          assigned = true;
        }
      }
      case GLOBAL -> {
        pane(key, Window.GLOBAL).add(input, value);
        assigned = true;
      }
    }
    if (!assigned) {
      ctx.countLateDropped(value, timestamp);
    }
  }

  @Override
  public void processWatermark(long watermark) {
    this.watermark = watermark;
    if (!processingTime) {
      fire(watermark);
    }
    out.emitWatermark(watermark);
  }

  @Override
  public void onProcessingTime(long now) {
    if (processingTime) {
      fire(now);
    }
  }

  @Override
  public void finish() {
    fire(Long.MAX_VALUE);
  }

  /**
   * What a checkpoint holds: the watermark and, per key (grouped by key group), its live windows.
   */
  public record Snapshot(int maxKeyGroups, long watermark, ArrayList<KeyGroupEntries> groups) implements Serializable {}

  /** One live window of a key with its buffered elements (copies of the lists), in arrival order. */
  public record PaneEntry(Window window, ArrayList<Object> left, ArrayList<Object> right) implements Serializable {}

  @Override
  public Object snapshotState(long checkpointId) {
    KeyGroupEntries.Collector c = new KeyGroupEntries.Collector(ctx.maxKeyGroups());
    for (Map.Entry<Object, HashMap<Window, Pane>> e : panes.entrySet()) {
      ArrayList<PaneEntry> list = new ArrayList<>(e.getValue().size());
      for (Map.Entry<Window, Pane> w : e.getValue().entrySet()) {
        list.add(new PaneEntry(w.getKey(), new ArrayList<>(w.getValue().left), new ArrayList<>(w.getValue().right)));
      }
      c.add(e.getKey(), list);
    }
    return new Snapshot(ctx.maxKeyGroups(), watermark, c.build());
  }

  /** Keeps the keys of the groups this task owns; the watermark is the old tasks' smallest. */
  @Override
  @SuppressWarnings("unchecked")
  public void restoreState(List<Object> snapshots) {
    long wm = Long.MAX_VALUE;
    boolean any = false;
    for (Object o : snapshots) {
      if (o == null) {
        continue;
      }
      Snapshot s = (Snapshot) o;
      any = true;
      wm = Math.min(wm, s.watermark());
      KeyGroupEntries.forOwned(ctx, "a window join snapshot", s.maxKeyGroups(), s.groups(), (key, entry) -> {
        for (PaneEntry pe : (List<PaneEntry>) entry) {
          HashMap<Window, Pane> m = panes.computeIfAbsent(key, k -> new HashMap<>());
          Pane p = new Pane();
          p.left.addAll(pe.left());
          p.right.addAll(pe.right());
          m.put(pe.window(), p);
          schedule(key, pe.window());
        }
      });
    }
    if (any) {
      watermark = wm;
    }
  }

  /** Number of buffered elements (both sides, counted once per window they are in). */
  public int bufferedElements() {
    int n = 0;
    for (HashMap<Window, Pane> m : panes.values()) {
      for (Pane p : m.values()) {
        n += p.left.size() + p.right.size();
      }
    }
    return n;
  }

  private boolean isLate(Window w) {
    return !processingTime && w.maxTimestamp() <= watermark;
  }

  private Pane pane(Object key, Window w) {
    HashMap<Window, Pane> m = panes.get(key);
    if (m == null) {
      m = new HashMap<>();
      panes.put(key, m);
    }
    Pane p = m.get(w);
    if (p == null) {
      p = new Pane();
      m.put(w, p);
      schedule(key, w);
    }
    return p;
  }

  private void addToSession(Object key, Window w, int input, Object value) {
    HashMap<Window, Pane> m = panes.get(key);
    if (m == null) {
      m = new HashMap<>();
      panes.put(key, m);
    }
    Pane merged = null;
    Window cover = w;
    for (Iterator<Map.Entry<Window, Pane>> it = m.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Window, Pane> e = it.next();
      if (!overlaps(e.getKey(), w)) {
        continue;
      }
      // Existing sessions never intersect each other, so one pass finds every session w bridges.
      cover = cover.cover(e.getKey());
      if (merged == null) {
        merged = e.getValue();
      } else {
        merged.addAll(e.getValue());
      }
      it.remove();
    }
    if (merged == null) {
      merged = new Pane();
    }
    merged.add(input, value);
    m.put(cover, merged);
    // When w lies inside one session, the cover is that session, already scheduled. (Sessions only
    // grow, so a scheduled entry equal to the cover is never one of a merged-away session.)
    if (!firingContains(key, cover)) {
      schedule(key, cover);
    }
  }

  /**
   * Half-open overlap: a session ending at {@code e} and one starting at {@code e} stay apart. (Flink,
   * and {@link Window#intersects}, also merge touching windows; but the first may already have fired
   * at watermark {@code e - 1} when an element at {@code e} arrives, so the result would depend on
   * arrival order.)
   */
  private static boolean overlaps(Window a, Window b) {
    return a.start() < b.end() && b.start() < a.end();
  }

  private boolean firingContains(Object key, Window w) {
    ArrayList<KeyWindow> list = firing.get(w.maxTimestamp());
    if (list == null) {
      return false;
    }
    for (KeyWindow kw : list) {
      if (kw.window().equals(w) && Objects.equals(kw.key(), key)) {
        return true;
      }
    }
    return false;
  }

  private void schedule(Object key, Window w) {
    long at = w.maxTimestamp();
    ArrayList<KeyWindow> list = firing.get(at);
    if (list == null) {
      list = new ArrayList<>(4);
      firing.put(at, list);
      if (processingTime) {
        ctx.requestProcessingTime(at);
      }
    }
    list.add(new KeyWindow(key, w));
  }

  private void fire(long limit) {
    while (!firing.isEmpty() && firing.firstKey() <= limit) {
      Map.Entry<Long, ArrayList<KeyWindow>> due = firing.pollFirstEntry();
      for (KeyWindow kw : due.getValue()) {
        HashMap<Window, Pane> m = panes.get(kw.key());
        Pane p = m == null ? null : m.remove(kw.window());
        if (p == null) {
          continue;
        }
        if (m.isEmpty()) {
          panes.remove(kw.key());
        }
        emitPairs(kw.key(), kw.window(), p);
      }
    }
  }

  private void emitPairs(Object key, Window w, Pane p) {
    long ts = w.maxTimestamp();
    ArrayList<Object> left = p.left;
    ArrayList<Object> right = p.right;
    for (int i = 0, nl = left.size(); i < nl; i++) {
      Object l = left.get(i);
      for (int j = 0, nr = right.size(); j < nr; j++) {
        out.emit(new Windowed<>(key, w, new Joined<>(l, right.get(j))), ts);
      }
    }
  }
}
