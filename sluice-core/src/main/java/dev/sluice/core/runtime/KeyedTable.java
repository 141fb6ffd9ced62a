package dev.sluice.core.runtime;

import java.util.Arrays;

/**
 * An open-addressing hash table from keys to accumulators for the aggregation operators, with
 * linear probing: each key sits next to its value in one array ({@code entries[2i]},
 * {@code entries[2i + 1]}), the hashes in a parallel array. Compared with {@link java.util.HashMap}
 * a lookup skips the entry object and an insert allocates nothing. A probed key is compared by
 * identity first (sources that canonicalize their keys, such as a parser with a name cache, then
 * hit with one cache line and without reading the hash array), then by the cached hash and
 * {@code equals}. Null keys are allowed. Used by one thread.
 */
final class KeyedTable {
  private static final Object NULL_KEY = new Object();
  static final int SPARSE_CAPACITY = 8192;
  private int[] hashes;
  /** Key of slot i at 2i (null when empty), its value at 2i + 1. */
  private Object[] entries;
  private int mask;
  private int size;
  private int maxSize;

  KeyedTable() {
    this(1024);
  }

  KeyedTable(int capacity) {
    int cap = Integer.highestOneBit(Math.max(16, capacity) - 1) << 1;
    hashes = new int[cap];
    entries = new Object[2 * cap];
    mask = cap - 1;
    maxSize = maxSize(cap);
  }

  /**
   * Load factor at most 1/4 up to {@link #SPARSE_CAPACITY} slots, 1/2 beyond: a small table (the
   * usual map-side combine over a few thousand keys) then almost always finds a key in its home slot,
   * without a probe loop whose length would vary from record to record; the extra slots cost a few
   * tens of kilobytes at most.
   */
  private static int maxSize(int cap) {
    return cap <= SPARSE_CAPACITY ? cap / 4 : cap / 2;
  }

  int size() {
    return size;
  }

  private static int slot(int h) {
    int m = h * 0x9E3779B9;
    return m ^ (m >>> 15);
  }

  static int hash(Object key) {
    return AggregateNodes.hash(key);
  }

  /** The slot of {@code key}, or {@code -(insertion slot) - 1} when absent. */
  int find(Object key, int h) {
    Object k = key == null ? NULL_KEY : key;
    Object[] es = entries;
    int i = slot(h) & mask;
    while (true) {
      Object slot = es[2 * i];
      if (slot == k) {
        return i;
      }
      if (slot == null) {
        return -i - 1;
      }
      if (hashes[i] == h && slot.equals(k)) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  Object valueAt(int slot) {
    return entries[2 * slot + 1];
  }

  void setValueAt(int slot, Object value) {
    entries[2 * slot + 1] = value;
  }

  /** Inserts at an insertion slot returned (encoded) by {@link #find}; may grow the table. */
  void insert(int encodedSlot, Object key, int h, Object value) {
    int i = -encodedSlot - 1;
    hashes[i] = h;
    entries[2 * i] = key == null ? NULL_KEY : key;
    entries[2 * i + 1] = value;
    if (++size > maxSize) {
      grow();
    }
  }

  private void grow() {
    int[] oh = hashes;
    Object[] oe = entries;
    int cap = oh.length * 2;
    hashes = new int[cap];
    entries = new Object[2 * cap];
    mask = cap - 1;
    maxSize = maxSize(cap);
    for (int j = 0; j < oh.length; j++) {
      if (oe[2 * j] != null) {
        int i = slot(oh[j]) & mask;
        while (entries[2 * i] != null) {
          i = (i + 1) & mask;
        }
        hashes[i] = oh[j];
        entries[2 * i] = oe[2 * j];
        entries[2 * i + 1] = oe[2 * j + 1];
      }
    }
  }

  /** Removes every entry; keeps the arrays (large ones are costly to allocate and to collect). */
  void clear() {
    if (size == 0) {
      return;
    }
    Arrays.fill(entries, null);
    size = 0;
  }

  /** Visits every entry; {@code sortedByHash} orders them by hash (for spill runs). */
  void forEach(boolean sortedByHash, EntryVisitor visitor) throws Exception {
    Object[] es = entries;
    if (!sortedByHash) {
      for (int i = 0; i < hashes.length; i++) {
        Object k = es[2 * i];
        if (k != null) {
          visitor.visit(k == NULL_KEY ? null : k, es[2 * i + 1]);
        }
      }
      return;
    }
    long[] order = new long[size];
    int n = 0;
    for (int i = 0; i < hashes.length; i++) {
      if (es[2 * i] != null) {
        order[n++] = ((long) hashes[i] << 32) | i;
      }
    }
    Arrays.sort(order);
    for (long o : order) {
      int i = (int) o;
      Object k = es[2 * i];
      visitor.visit(k == NULL_KEY ? null : k, es[2 * i + 1]);
    }
  }

  @FunctionalInterface
  interface EntryVisitor {
    void visit(Object key, Object value) throws Exception;
  }
}
