package dev.sluice.core.stream.window;

import dev.sluice.api.Aggregation;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.core.stream.state.KeyGroupEntries;
import dev.sluice.core.stream.state.StateCopies;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Windows held one by one: each key keeps a small list of its live windows, sorted by start, each
 * with an accumulator or its elements. Serves sessions (which merge), global windows, count
 * triggers, and sliding windows whose aggregation cannot combine (an element is accumulated into
 * each of its {@code size/slide} windows).
 *
 * <p>Sessions: an element at {@code t} opens {@code [t, t + gap)}; sessions that overlap it
 * (strictly, as in Beam: an element exactly {@code gap} after the last one starts a new session)
 * merge into one, their accumulators combined (or element lists concatenated when the aggregation
 * cannot combine, or for window functions). A merge that changes a session's extent makes it a new
 * window: it fires again when time passes its end.
 *
 * <p>Count triggers fire and purge a window every {@code n} elements; what is left fires when the
 * window is finally closed (its max timestamp plus the allowed lateness has passed, or at the end
 * of input), so no element is lost.
 */
final class GenericWindows extends WindowOperator.WindowEngine {
  private final WindowOperator op;
  private final Aggregation<Object, Object, Object> agg;
  private final WindowSpec.Kind kind;
  private final long size;
  private final long slide;
  private final long gap;
  private final boolean lists;
  private final long countEvery;
  private final boolean early;
  private final HashMap<Object, GKey> keys = new HashMap<>();

  GenericWindows(WindowOperator op) {
    this.op = op;
    this.agg = op.agg;
    WindowSpec s = op.spec;
    this.kind = s.kind();
    this.size = s.size();
    this.slide = s.slide();
    this.gap = s.gap();
    this.lists = op.fn != null || (kind == WindowSpec.Kind.SESSION && !agg.canCombine());
    this.countEvery = op.countEvery;
    this.early = op.earlyEvery > 0;
  }

  static final class Win {
    long start;
    long end;
    Object content;
    long count;
    boolean fired;
    boolean dirty;

    Win(long start, long end) {
      this.start = start;
      this.end = end;
    }

    long maxTs() {
      return end - 1;
    }

    Window window() {
      return start == Long.MIN_VALUE && end == Long.MAX_VALUE ? Window.GLOBAL : new Window(start, end);
    }
  }

  static final class GKey extends WindowOperator.KeyState {
    final ArrayList<Win> wins = new ArrayList<>(4);

    /** The window {@code [start, end)}, created (in start order) if absent. */
    Win get(long start, long end) {
      int j = wins.size() - 1;
      while (j >= 0) {
        Win w = wins.get(j);
        if (w.start == start && w.end == end) {
          return w;
        }
        if (w.start < start || (w.start == start && w.end < end)) {
          break;
        }
        j--;
      }
      Win w = new Win(start, end);
      wins.add(j + 1, w);
      return w;
    }
  }

  @Override
  WindowOperator.KeyState state(Object key) {
    return keys.get(key);
  }

  private GKey keyState(Object key) {
    GKey s = keys.get(key);
    if (s == null) {
      s = new GKey();
      keys.put(key, s);
    }
    return s;
  }

  @Override
  void element(Object key, Object value, long ts, long timestamp) throws Exception {
    long wm = op.wm;
    switch (kind) {
      case GLOBAL -> {
        GKey s = keyState(key);
        add(key, s, s.get(Long.MIN_VALUE, Long.MAX_VALUE), value);
      }
      case SESSION -> session(key, value, ts, timestamp);
      default -> {
        GKey s = null;
        for (long start = op.spec.lastStart(ts); start > ts - size; start -= slide) {
          if (op.cleanupTime(start + size - 1) <= wm) {
            continue;
          }
          if (s == null) {
            s = keyState(key);
          }
          add(key, s, s.get(start, start + size), value);
        }
        if (s == null) {
          op.late(value, timestamp);
        }
      }
    }
  }

  private void session(Object key, Object value, long ts, long timestamp) throws Exception {
    long start = ts;
    long end = ts + gap;
    GKey s = keys.get(key);
    int first = -1;
    int last = -1;
    if (s != null) {
      ArrayList<Win> wins = s.wins;
      for (int j = 0; j < wins.size(); j++) {
        Win w = wins.get(j);
        if (w.start < end && start < w.end) {
          if (first < 0) {
            first = j;
          }
          last = j;
        } else if (w.start >= end) {
          break;
        }
      }
    }
    if (first < 0) {
      if (op.cleanupTime(end - 1) <= op.wm) {
        op.late(value, timestamp);
        return;
      }
      if (s == null) {
        s = keyState(key);
      }
      add(key, s, s.get(start, end), value);
      return;
    }
    ArrayList<Win> wins = s.wins;
    Win target = wins.get(first);
    long mergedStart = Math.min(start, target.start);
    long mergedEnd = Math.max(end, wins.get(last).end);
    if (last > first || mergedStart != target.start || mergedEnd != target.end) {
      for (int j = first + 1; j <= last; j++) {
        mergeInto(target, wins.get(j));
      }
      wins.subList(first + 1, last + 1).clear();
      target.start = mergedStart;
      target.end = mergedEnd;
      target.fired = false;
    }
    add(key, s, target, value);
  }

  @SuppressWarnings("unchecked")
  private void mergeInto(Win target, Win other) throws Exception {
    if (other.content != null) {
      if (target.content == null) {
        target.content = other.content;
      } else if (lists) {
        ((List<Object>) target.content).addAll((List<Object>) other.content);
      } else {
        target.content = agg.combine(target.content, other.content);
      }
    }
    target.count += other.count;
    target.dirty |= other.dirty;
  }

  @SuppressWarnings("unchecked")
  private void add(Object key, GKey s, Win w, Object value) throws Exception {
    if (w.content == null) {
      w.content = lists ? new ArrayList<>() : agg.create();
    }
    if (lists) {
      ((List<Object>) w.content).add(value);
    } else {
      w.content = agg.accumulate(w.content, value);
    }
    w.count++;
    long maxTs = w.maxTs();
    boolean open = maxTs > op.wm;
    if (countEvery > 0) {
      if (w.count >= countEvery) {
        fire(key, w);
        w.content = null;
        w.count = 0;
      }
      op.schedule(key, s, op.cleanupTime(maxTs));
    } else if (!open) {
      fire(key, w);
      w.fired = true;
      op.schedule(key, s, op.cleanupTime(maxTs));
    } else {
      op.schedule(key, s, maxTs);
    }
    if (early && open && w.content != null) {
      w.dirty = true;
      op.markChanged(key, s);
    }
  }

  @SuppressWarnings("unchecked")
  private void fire(Object key, Win w) throws Exception {
    w.dirty = false;
    if (lists) {
      op.emitElements(key, w.window(), (List<Object>) w.content);
    } else {
      op.emitAccumulator(key, w.window(), w.content);
    }
  }

  @Override
  void onTimer(Object key, WindowOperator.KeyState ks) throws Exception {
    GKey s = (GKey) ks;
    long wm = op.wm;
    ArrayList<Win> wins = s.wins;
    long next = Long.MAX_VALUE;
    int kept = 0;
    for (int j = 0; j < wins.size(); j++) {
      Win w = wins.get(j);
      long maxTs = w.maxTs();
      if (countEvery == 0 && !w.fired && maxTs <= wm) {
        if (w.content != null) {
          fire(key, w);
        }
        w.fired = true;
      }
      long cleanup = op.cleanupTime(maxTs);
      if (cleanup <= wm) {
        if (countEvery > 0 && w.count > 0) {
          fire(key, w);
        }
        continue;
      }
      next = Math.min(next, countEvery == 0 && !w.fired ? maxTs : cleanup);
      wins.set(kept++, w);
    }
    wins.subList(kept, wins.size()).clear();
    if (wins.isEmpty()) {
      keys.remove(key);
    } else {
      op.schedule(key, s, next);
    }
  }

  @Override
  void fireEarly(Object key, WindowOperator.KeyState ks) throws Exception {
    GKey s = (GKey) ks;
    long wm = op.wm;
    ArrayList<Win> wins = s.wins;
    for (int j = 0; j < wins.size(); j++) {
      Win w = wins.get(j);
      if (w.dirty && w.content != null && w.maxTs() > wm) {
        fire(key, w);
      }
    }
  }

  @Override
  void snapshot(KeyGroupEntries.Collector c) {
    for (java.util.Map.Entry<Object, GKey> e : keys.entrySet()) {
      GKey s = e.getValue();
      ArrayList<WindowOperator.GenericWin> wins = new ArrayList<>(s.wins.size());
      for (Win w : s.wins) {
        wins.add(new WindowOperator.GenericWin(w.start, w.end, StateCopies.deepCopy(w.content), w.count, w.fired, w.dirty));
      }
      c.add(e.getKey(), new WindowOperator.GenericKey(s.nextTimer, s.earlyDirty, wins));
    }
  }

  @Override
  WindowOperator.KeyState restore(Object key, Object entry) {
    WindowOperator.GenericKey e = (WindowOperator.GenericKey) entry;
    GKey s = new GKey();
    s.nextTimer = e.nextTimer();
    s.earlyDirty = e.earlyDirty();
    for (WindowOperator.GenericWin w : e.windows()) {
      Win win = new Win(w.start(), w.end());
      win.content = StateCopies.deepCopy(w.content());
      win.count = w.count();
      win.fired = w.fired();
      win.dirty = w.dirty();
      s.wins.add(win);
    }
    keys.put(key, s);
    return s;
  }

  @Override
  void clear() {
    keys.clear();
  }

  @Override
  int keyCount() {
    return keys.size();
  }
}
