package dev.sluice.core.stream.window;

import dev.sluice.api.Aggregation;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.core.stream.state.KeyGroupEntries;
import dev.sluice.core.stream.state.StateCopies;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * Tumbling and sliding windows on panes. Design note: time is cut into panes of
 * {@code p = gcd(size, slide)} ms (pane {@code i} covers {@code [offset + i*p, offset + (i+1)*p)});
 * window {@code k} starts at {@code offset + k*slide} and is the {@code m = size/p} panes from
 * {@code k*r} ({@code r = slide/p}). An element goes into exactly one pane: O(1) per record, one
 * accumulator (or element list) per key and pane. Windows fire from their panes: combined into a
 * fresh accumulator, or, when the aggregation can deduct, by sliding a per-key running
 * accumulator (combine the entering panes, deduct the leaving ones; a pane leaving for good is
 * deducted when it is purged). A late update to a pane the running accumulator covers drops it;
 * it is rebuilt at the next firing.
 *
 * <p>A pane is purged when the last window containing it has expired (its max timestamp plus the
 * allowed lateness is behind the watermark); an element whose pane is in expired windows only is
 * late. So for sliding windows an element is late only if all its windows have expired; if some
 * are still open (or within lateness) it counts in those and the expired ones are not re-emitted.
 */
final class PaneWindows extends WindowOperator.WindowEngine {
  /** More panes per window than this (e.g. size 10001, slide 10000) and the generic engine is cheaper. */
  static final long MAX_PANES_PER_WINDOW = 512;
  private static final long LIMIT = 1L << 55;

  private final WindowOperator op;
  private final Aggregation<Object, Object, Object> agg;
  private final long p;
  private final long size;
  private final long slide;
  private final long offset;
  private final long r;
  private final long m;
  private final boolean lists;
  private final boolean single;
  private final boolean deduct;
  private final boolean early;
  private final int tableCapacity;
  private final HashMap<Object, PKey> keys = new HashMap<>();
  /** Largest window index that has fired ({@code maxTs <= wm}), and that has expired. */
  private long firedK;
  private long expiredK;
  private long[] scratch = new long[16];

  static boolean supports(WindowOperator op) {
    WindowSpec s = op.spec;
    if (s.kind() != WindowSpec.Kind.TUMBLING && s.kind() != WindowSpec.Kind.SLIDING) {
      return false;
    }
    if (op.countEvery > 0) {
      return false;
    }
    long p = gcd(s.size(), s.slide());
    if (s.size() / p > MAX_PANES_PER_WINDOW) {
      return false;
    }
    return op.fn != null || s.size() == p || op.agg.canCombine();
  }

  PaneWindows(WindowOperator op) {
    this.op = op;
    this.agg = op.agg;
    WindowSpec s = op.spec;
    this.size = s.size();
    this.slide = s.slide();
    this.offset = s.offset();
    this.p = gcd(size, slide);
    this.r = slide / p;
    this.m = size / p;
    this.lists = op.fn != null;
    this.single = m == 1;
    this.deduct = !lists && !single && agg.canDeduct();
    this.early = op.earlyEvery > 0;
    this.tableCapacity = (int) Math.min(1 << 12, 2 * (m + 1));
    timeAdvanced(Long.MIN_VALUE);
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** A key's state: its panes (the table it extends) and where its windows stand. */
  static final class PKey extends PaneTable {
    /** Windows below this index have fired (or had no data when they were due). */
    long nextWindow;
    /** Deduct mode: the running accumulator over panes {@code [runLo, runHi]}, {@code runPanes} of them present. */
    Object run;
    long runLo;
    long runHi;
    int runPanes;

    PKey(int capacity) {
      super(capacity);
    }
  }

  private long kLo(long pane) {
    return -Math.floorDiv(m - 1 - pane, r);
  }

  private long kHi(long pane) {
    return Math.floorDiv(pane, r);
  }

  private long maxTs(long k) {
    return offset + k * slide + size - 1;
  }

  private Window window(long k) {
    long start = offset + k * slide;
    return new Window(start, start + size);
  }

  /** The largest window index whose max timestamp is at or before {@code t}. */
  private long lastWindowBy(long t) {
    long c = Math.max(-LIMIT, Math.min(LIMIT, t));
    return Math.floorDiv(c - offset - size + 1, slide);
  }

  @Override
  void timeAdvanced(long wm) {
    firedK = lastWindowBy(wm);
    long lateness = op.lateness;
    expiredK = lateness == 0 ? firedK : lastWindowBy(wm < Long.MIN_VALUE + lateness ? Long.MIN_VALUE : wm - lateness);
  }

  @Override
  WindowOperator.KeyState state(Object key) {
    return keys.get(key);
  }

  @Override
  @SuppressWarnings("unchecked")
  void element(Object key, Object value, long ts, long timestamp) throws Exception {
    long i = Math.floorDiv(ts - offset, p);
    long hi = Math.floorDiv(i, r);
    if (hi <= expiredK) {
      op.late(value, timestamp);
      return;
    }
    PKey s = keys.get(key);
    if (s == null) {
      s = new PKey(tableCapacity);
      s.nextWindow = firedK + 1;
      keys.put(key, s);
    }
    int pos = s.find(i);
    Object acc;
    if (pos < 0) {
      acc = lists ? new ArrayList<>() : agg.create();
      pos = s.insert(i, acc);
    } else {
      acc = s.vals[pos];
    }
    if (lists) {
      ((ArrayList<Object>) acc).add(value);
    } else {
      Object updated = agg.accumulate(acc, value);
      if (updated != acc) {
        s.vals[pos] = updated;
      }
    }
    if (early && hi > firedK) {
      s.setDirty(pos, true);
      op.markChanged(key, s);
    }
    long lo = kLo(i);
    if (lo > firedK) {
      op.schedule(key, s, maxTs(lo));
    } else {
      lateUpdate(key, s, i, lo, hi);
    }
  }

  /** Pane {@code i} changed after some of its windows fired: re-emit those still within lateness. */
  private void lateUpdate(Object key, PKey s, long i, long lo, long hi) throws Exception {
    if (s.run != null && i >= s.runLo && i <= s.runHi) {
      s.run = null;
    }
    long fired = firedK;
    for (long k = Math.max(lo, expiredK + 1); k <= Math.min(hi, fired); k++) {
      emitFromPanes(key, s, k);
    }
    if (s.nextWindow <= fired) {
      s.nextWindow = fired + 1;
    }
    op.schedule(key, s, hi > fired ? maxTs(fired + 1) : op.cleanupTime(maxTs(hi)));
  }

  @Override
  void onTimer(Object key, WindowOperator.KeyState ks) throws Exception {
    PKey s = (PKey) ks;
    long fired = firedK;
    if (s.nextWindow <= fired && s.size > 0) {
      long k = Math.max(s.nextWindow, kLo(s.minIndex()));
      while (k <= fired) {
        boolean any = deduct ? fireSliding(key, s, k) : emitFromPanes(key, s, k);
        if (any) {
          k++;
          continue;
        }
        long next = s.minIndexAbove(k * r + m - 1);
        if (next == Long.MAX_VALUE) {
          break;
        }
        k = Math.max(k + 1, kLo(next));
      }
      s.nextWindow = fired + 1;
    }
    purge(s);
    if (s.size == 0) {
      keys.remove(key);
      return;
    }
    long nw = s.nextWindow;
    long nextK = Long.MAX_VALUE;
    long minPane = Long.MAX_VALUE;
    long[] ix = s.idx;
    for (long x : ix) {
      if (x != PaneTable.EMPTY) {
        minPane = Math.min(minPane, x);
        if (kHi(x) >= nw) {
          nextK = Math.min(nextK, Math.max(kLo(x), nw));
        }
      }
    }
    long time = op.cleanupTime(maxTs(kHi(minPane)));
    if (nextK != Long.MAX_VALUE) {
      time = Math.min(time, maxTs(nextK));
    }
    op.schedule(key, s, time);
  }

  /** Removes the panes whose windows have all expired, deducting them from the running accumulator. */
  private void purge(PKey s) throws Exception {
    long bound = (expiredK + 1) * r;
    while (s.size > 0) {
      long mn = s.minIndex();
      if (mn >= bound) {
        break;
      }
      int pos = s.find(mn);
      if (s.run != null && mn >= s.runLo && mn <= s.runHi) {
        s.run = agg.deduct(s.run, s.vals[pos]);
        s.runPanes--;
      }
      s.removeAt(pos);
    }
    if (s.run != null && s.runLo < bound) {
      s.runLo = bound;
      if (s.runLo > s.runHi) {
        s.run = null;
      }
    }
  }

  /** Deduct mode: slides the running accumulator to window {@code k} and emits it. */
  private boolean fireSliding(Object key, PKey s, long k) throws Exception {
    long a = k * r;
    long b = a + m - 1;
    Object run = s.run;
    if (run != null && a >= s.runLo && a <= s.runHi + 1 && b >= s.runHi) {
      for (long i = s.runLo; i < a; i++) {
        int pos = s.find(i);
        if (pos >= 0) {
          run = agg.deduct(run, s.vals[pos]);
          s.runPanes--;
        }
      }
      for (long i = s.runHi + 1; i <= b; i++) {
        int pos = s.find(i);
        if (pos >= 0) {
          run = agg.combine(run, s.vals[pos]);
          s.runPanes++;
        }
      }
    } else {
      run = agg.create();
      s.runPanes = 0;
      for (long i = a; i <= b; i++) {
        int pos = s.find(i);
        if (pos >= 0) {
          run = agg.combine(run, s.vals[pos]);
          s.runPanes++;
        }
      }
    }
    s.run = run;
    s.runLo = a;
    s.runHi = b;
    if (s.runPanes == 0) {
      return false;
    }
    op.emitAccumulator(key, window(k), run);
    return true;
  }

  /** Emits window {@code k} computed from its panes (not touching the running accumulator); false if empty. */
  @SuppressWarnings("unchecked")
  private boolean emitFromPanes(Object key, PKey s, long k) throws Exception {
    long a = k * r;
    if (single) {
      int pos = s.find(a);
      if (pos < 0) {
        return false;
      }
      if (lists) {
        op.emitElements(key, window(k), (List<Object>) s.vals[pos]);
      } else {
        op.emitAccumulator(key, window(k), s.vals[pos]);
      }
      return true;
    }
    long b = a + m - 1;
    if (lists) {
      ArrayList<Object> all = null;
      for (long i = a; i <= b; i++) {
        int pos = s.find(i);
        if (pos >= 0) {
          if (all == null) {
            all = new ArrayList<>();
          }
          all.addAll((List<Object>) s.vals[pos]);
        }
      }
      if (all == null) {
        return false;
      }
      op.emitElements(key, window(k), all);
      return true;
    }
    Object acc = null;
    for (long i = a; i <= b; i++) {
      int pos = s.find(i);
      if (pos >= 0) {
        if (acc == null) {
          acc = agg.create();
        }
        acc = agg.combine(acc, s.vals[pos]);
      }
    }
    if (acc == null) {
      return false;
    }
    op.emitAccumulator(key, window(k), acc);
    return true;
  }

  @Override
  void fireEarly(Object key, WindowOperator.KeyState ks) throws Exception {
    PKey s = (PKey) ks;
    int n = 0;
    for (int slot = 0; slot < s.idx.length; slot++) {
      if (s.dirty(slot) && s.idx[slot] != PaneTable.EMPTY) {
        s.setDirty(slot, false);
        if (n == scratch.length) {
          scratch = Arrays.copyOf(scratch, n * 2);
        }
        scratch[n++] = s.idx[slot];
      }
    }
    Arrays.sort(scratch, 0, n);
    long lastK = firedK;
    for (int j = 0; j < n; j++) {
      long i = scratch[j];
      for (long k = Math.max(kLo(i), lastK + 1); k <= kHi(i); k++) {
        emitFromPanes(key, s, k);
        lastK = k;
      }
    }
  }

  @Override
  void snapshot(KeyGroupEntries.Collector c) {
    for (java.util.Map.Entry<Object, PKey> e : keys.entrySet()) {
      PKey s = e.getValue();
      long[] panes = new long[s.size];
      Object[] contents = new Object[s.size];
      boolean[] dirty = new boolean[s.size];
      int n = 0;
      for (int slot = 0; slot < s.idx.length; slot++) {
        if (s.idx[slot] != PaneTable.EMPTY) {
          panes[n] = s.idx[slot];
          contents[n] = StateCopies.deepCopy(s.vals[slot]);
          dirty[n] = s.dirty(slot);
          n++;
        }
      }
      c.add(e.getKey(), new WindowOperator.PaneKey(s.nextTimer, s.earlyDirty, s.nextWindow, panes, contents, dirty,
          StateCopies.deepCopy(s.run), s.runLo, s.runHi, s.runPanes));
    }
  }

  @Override
  WindowOperator.KeyState restore(Object key, Object entry) {
    WindowOperator.PaneKey e = (WindowOperator.PaneKey) entry;
    PKey s = new PKey(Math.max(tableCapacity, 2 * e.panes().length));
    s.nextTimer = e.nextTimer();
    s.earlyDirty = e.earlyDirty();
    s.nextWindow = e.nextWindow();
    for (int j = 0; j < e.panes().length; j++) {
      int pos = s.insert(e.panes()[j], StateCopies.deepCopy(e.contents()[j]));
      s.setDirty(pos, e.dirty()[j]);
    }
    s.run = StateCopies.deepCopy(e.run());
    s.runLo = e.runLo();
    s.runHi = e.runHi();
    s.runPanes = e.runPanes();
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
