package dev.sluice.core.runtime;

import java.util.Arrays;

/**
 * An open-addressing hash table from keys to accumulators for the aggregation operators: parallel
 * arrays of hashes, keys and values with linear probing. Compared with {@link java.util.HashMap} a
 * lookup skips the entry object (one cache miss fewer) and an insert allocates nothing. Keys are
 * compared by the cached hash first, then by identity, then {@code equals}. Null keys are allowed.
 * Used by one thread.
 */
final class KeyedTable {
  private static final Object NULL_KEY = new Object();
  private int[] hashes;
  private Object[] keys;
  private Object[] values;
  private int mask;
  private int size;

  KeyedTable() {
    this(1024);
  }

  KeyedTable(int capacity) {
    int cap = Integer.highestOneBit(Math.max(16, capacity) - 1) << 1;
    hashes = new int[cap];
    keys = new Object[cap];
    values = new Object[cap];
    mask = cap - 1;
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
    int[] hs = hashes;
    Object[] ks = keys;
    int i = slot(h) & mask;
    while (true) {
      Object slot = ks[i];
      if (slot == null) {
        return -i - 1;
      }
      if (hs[i] == h && (slot == k || slot.equals(k))) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  Object valueAt(int slot) {
    return values[slot];
  }

  void setValueAt(int slot, Object value) {
    values[slot] = value;
  }

  /** Inserts at an insertion slot returned (encoded) by {@link #find}; may grow the table. */
  void insert(int encodedSlot, Object key, int h, Object value) {
    int i = -encodedSlot - 1;
    hashes[i] = h;
    keys[i] = key == null ? NULL_KEY : key;
    values[i] = value;
    if (++size * 2 > keys.length) {
      grow();
    }
  }

  private void grow() {
    int[] oh = hashes;
    Object[] ok = keys;
    Object[] ov = values;
    int cap = ok.length * 2;
    hashes = new int[cap];
    keys = new Object[cap];
    values = new Object[cap];
    mask = cap - 1;
    for (int j = 0; j < ok.length; j++) {
      if (ok[j] != null) {
        int i = slot(oh[j]) & mask;
        while (keys[i] != null) {
          i = (i + 1) & mask;
        }
        hashes[i] = oh[j];
        keys[i] = ok[j];
        values[i] = ov[j];
      }
    }
  }

  /** Removes every entry; keeps the arrays (large ones are costly to allocate and to collect). */
  void clear() {
    if (size == 0) {
      return;
    }
    Arrays.fill(keys, null);
    Arrays.fill(values, null);
    size = 0;
  }

  /** Visits every entry; {@code sortedByHash} orders them by hash (for spill runs). */
  void forEach(boolean sortedByHash, EntryVisitor visitor) throws Exception {
    if (!sortedByHash) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != null) {
          visitor.visit(keys[i] == NULL_KEY ? null : keys[i], values[i]);
        }
      }
      return;
    }
    long[] order = new long[size];
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != null) {
        order[n++] = ((long) hashes[i] << 32) | i;
      }
    }
    Arrays.sort(order);
    for (long o : order) {
      int i = (int) o;
      visitor.visit(keys[i] == NULL_KEY ? null : keys[i], values[i]);
    }
  }

  @FunctionalInterface
  interface EntryVisitor {
    void visit(Object key, Object value) throws Exception;
  }
}
