package dev.sluice.core.stream.window;

import java.util.Arrays;

/**
 * One key's panes: pane index to accumulator (or element list), open addressing with linear
 * probing on the index itself. Live panes are nearly contiguous, so identity hashing puts them in
 * distinct slots (a ring); sparse keys still work, only with probing. Removal shifts back (no
 * tombstones). Also carries a per-pane "changed since the last early firing" flag, allocated with
 * the first one set (only windows with early firings have them).
 *
 * <p>It is the key's window state itself ({@link PaneWindows.PKey} extends it), not an object the
 * key's state points to: an element then reads one object less, which matters when the keys' state
 * is larger than the CPU's caches.
 */
class PaneTable extends WindowOperator.KeyState {
  static final long EMPTY = Long.MIN_VALUE;

  long[] idx;
  Object[] vals;
  /** Null until a pane is marked dirty. */
  boolean[] dirty;
  int size;
  private int mask;

  /** At least {@code capacity} slots, and at least 4 (at most 3/4 of them are used before growing). */
  PaneTable(int capacity) {
    int cap = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
    idx = new long[cap];
    Arrays.fill(idx, EMPTY);
    vals = new Object[cap];
    mask = cap - 1;
  }

  boolean dirty(int pos) {
    return dirty != null && dirty[pos];
  }

  void setDirty(int pos, boolean d) {
    if (dirty == null) {
      if (!d) {
        return;
      }
      dirty = new boolean[idx.length];
    }
    dirty[pos] = d;
  }

  /** The slot of pane {@code i}, or -1. */
  int find(long i) {
    long[] ix = idx;
    int m = mask;
    int pos = (int) i & m;
    while (true) {
      long x = ix[pos];
      if (x == i) {
        return pos;
      }
      if (x == EMPTY) {
        return -1;
      }
      pos = (pos + 1) & m;
    }
  }

  /** Adds pane {@code i} (absent) and returns its slot. */
  int insert(long i, Object v) {
    if ((size + 1) * 4 > idx.length * 3) {
      grow();
    }
    int m = mask;
    int pos = (int) i & m;
    while (idx[pos] != EMPTY) {
      pos = (pos + 1) & m;
    }
    idx[pos] = i;
    vals[pos] = v;
    size++;
    return pos;
  }

  void removeAt(int pos) {
    int m = mask;
    int hole = pos;
    int j = pos;
    while (true) {
      j = (j + 1) & m;
      long x = idx[j];
      if (x == EMPTY) {
        break;
      }
      int home = (int) x & m;
      if (((j - home) & m) >= ((j - hole) & m)) {
        idx[hole] = x;
        vals[hole] = vals[j];
        if (dirty != null) {
          dirty[hole] = dirty[j];
        }
        hole = j;
      }
    }
    idx[hole] = EMPTY;
    vals[hole] = null;
    if (dirty != null) {
      dirty[hole] = false;
    }
    size--;
  }

  /** The smallest pane index, or {@link Long#MAX_VALUE} if empty. */
  long minIndex() {
    return minIndexAbove(Long.MIN_VALUE);
  }

  /** The smallest pane index greater than {@code bound}, or {@link Long#MAX_VALUE}. */
  long minIndexAbove(long bound) {
    long best = Long.MAX_VALUE;
    long[] ix = idx;
    for (long x : ix) {
      if (x != EMPTY && x > bound && x < best) {
        best = x;
      }
    }
    return best;
  }

  private void grow() {
    long[] oi = idx;
    Object[] ov = vals;
    boolean[] od = dirty;
    int cap = oi.length * 2;
    idx = new long[cap];
    Arrays.fill(idx, EMPTY);
    vals = new Object[cap];
    dirty = od == null ? null : new boolean[cap];
    mask = cap - 1;
    size = 0;
    for (int s = 0; s < oi.length; s++) {
      if (oi[s] != EMPTY) {
        int pos = insert(oi[s], ov[s]);
        if (od != null) {
          dirty[pos] = od[s];
        }
      }
    }
  }
}
