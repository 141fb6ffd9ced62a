package dev.sluice.core.stream.state;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * The entries of one state table in one key group of the {@link HeapKeyedStateBackend}: a hash
 * table from key to {@link Cell}, in which the cell is the table's entry.
 *
 * <p>Design note. With {@code java.util.HashMap<Object, Cell>} a lookup read the bucket, the map's
 * node, the key and then a separate cell object; here the cell carries the key, its hash and the
 * chain link itself (as Flink's {@code CopyOnWriteStateMap} entries do), so a lookup reads one object
 * less and every entry costs one object less to allocate, hold and copy in a young collection. With
 * a few hundred thousand keys that miss the CPU caches, the dependent reads are what a state access
 * costs. Separate chaining in a power-of-two table, hashes spread as {@code HashMap} spreads them,
 * resized at a load factor of 3/4. No tree bins: a key type whose hashes collide massively makes
 * lookups linear, as it did before Java 8's {@code HashMap}.
 *
 * <p>Thread-safety: none. A map a snapshot captured is no longer written (the live state copies it,
 * see {@link #copyShared}), so the snapshot's thread may read it.
 */
final class CellMap implements Iterable<CellMap.Cell> {
  private static final int MIN_CAPACITY = 16;
  private static final int MAX_CAPACITY = 1 << 30;

  /** One key's entry: its value and the backend's bookkeeping for it. */
  static final class Cell {
    final Object key;
    final int hash;
    Cell next;
    Object value;
    /** Processing time of the last write (0 without a TTL). */
    long writtenAt;
    /** The backend's epoch in which this key was last recorded as changed (incremental snapshots). */
    int changedIn;
    /** The value may be referenced by a snapshot (this cell was copied from a captured map). */
    boolean shared;

    Cell(Object key, int hash) {
      this.key = key;
      this.hash = hash;
    }
  }

  private Cell[] table;
  private int size;
  private int threshold;

  /** An empty map sized for {@code expected} entries without resizing. */
  CellMap(int expected) {
    int c = MIN_CAPACITY;
    long needed = (long) expected * 4 / 3 + 1;
    while (c < needed && c < MAX_CAPACITY) {
      c <<= 1;
    }
    table = new Cell[c];
    threshold = c / 4 * 3;
  }

  static int hash(Object key) {
    if (key == null) {
      return 0;
    }
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The cell of {@code key}, null if absent. */
  Cell get(Object key) {
    int h = hash(key);
    Cell[] t = table;
    for (Cell c = t[h & (t.length - 1)]; c != null; c = c.next) {
      if (c.hash == h && (c.key == key || (key != null && key.equals(c.key)))) {
        return c;
      }
    }
    return null;
  }

  /** A new cell for {@code key}, which must be absent (check with {@link #get}). */
  Cell add(Object key) {
    Cell c = new Cell(key, hash(key));
    link(c);
    return c;
  }

  private void link(Cell c) {
    if (size >= threshold && table.length < MAX_CAPACITY) {
      resize();
    }
    Cell[] t = table;
    int i = c.hash & (t.length - 1);
    c.next = t[i];
    t[i] = c;
    size++;
  }

  /** Removes the cell of {@code key}; returns it, or null if there was none. */
  Cell remove(Object key) {
    int h = hash(key);
    Cell[] t = table;
    int i = h & (t.length - 1);
    Cell prev = null;
    for (Cell c = t[i]; c != null; prev = c, c = c.next) {
      if (c.hash == h && (c.key == key || (key != null && key.equals(c.key)))) {
        if (prev == null) {
          t[i] = c.next;
        } else {
          prev.next = c.next;
        }
        c.next = null;
        size--;
        return c;
      }
    }
    return null;
  }

  /** Removes every cell {@code filter} accepts; returns how many. */
  int removeIf(Predicate<Cell> filter) {
    int removed = 0;
    Cell[] t = table;
    for (int i = 0; i < t.length; i++) {
      Cell prev = null;
      Cell c = t[i];
      while (c != null) {
        Cell next = c.next;
        if (filter.test(c)) {
          if (prev == null) {
            t[i] = next;
          } else {
            prev.next = next;
          }
          c.next = null;
          size--;
          removed++;
        } else {
          prev = c;
        }
        c = next;
      }
    }
    return removed;
  }

  /**
   * A copy with fresh cells that hold the same values, marked {@link Cell#shared}: what the live
   * state writes to once a snapshot holds this map.
   */
  CellMap copyShared() {
    CellMap copy = new CellMap(size);
    Cell[] t = table;
    for (int i = 0; i < t.length; i++) {
      for (Cell c = t[i]; c != null; c = c.next) {
        Cell d = new Cell(c.key, c.hash);
        d.value = c.value;
        d.writtenAt = c.writtenAt;
        d.changedIn = c.changedIn;
        d.shared = true;
        copy.link(d);
      }
    }
    return copy;
  }

  private void resize() {
    Cell[] old = table;
    Cell[] t = new Cell[old.length << 1];
    int mask = t.length - 1;
    for (int i = 0; i < old.length; i++) {
      Cell c = old[i];
      while (c != null) {
        Cell next = c.next;
        int j = c.hash & mask;
        c.next = t[j];
        t[j] = c;
        c = next;
      }
    }
    table = t;
    threshold = t.length / 4 * 3;
  }

  /** The cells in table order; read only (use {@link #removeIf} to remove while going through). */
  @Override
  public Iterator<Cell> iterator() {
    return new Iterator<>() {
      private final Cell[] t = table;
      private int index;
      private Cell next = advance(null);

      private Cell advance(Cell from) {
        if (from != null && from.next != null) {
          return from.next;
        }
        while (index < t.length) {
          Cell c = t[index++];
          if (c != null) {
            return c;
          }
        }
        return null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Cell next() {
        Cell c = next;
        if (c == null) {
          throw new NoSuchElementException();
        }
        next = advance(c);
        return c;
      }
    };
  }
}
