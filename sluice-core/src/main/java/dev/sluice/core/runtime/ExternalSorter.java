package dev.sluice.core.runtime;

import dev.sluice.core.codec.SpillInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Sorts any number of records within the memory budget: records are buffered until the budget is
 * exhausted, then sorted and written as a run to a spill file; {@link #sorted} merges the runs and
 * the last buffer with a k-way merge. Used by one thread.
 */
final class ExternalSorter {
  private final JobResources job;
  private final Comparator<Object> cmp;
  private final Reservation reservation;
  private final List<Path> runs = new ArrayList<>();
  private List<Object> buffer = new ArrayList<>();
  private final List<SpillInput> open = new ArrayList<>();

  ExternalSorter(JobResources job, Comparator<Object> cmp) {
    this.job = job;
    this.cmp = cmp;
    this.reservation = new Reservation(job.budget, 8);
  }

  void add(Object record) {
    buffer.add(record);
    if (!reservation.add(record)) {
      spill();
    }
  }

  boolean spilled() {
    return !runs.isEmpty();
  }

  private void spill() {
    buffer.sort(cmp);
    runs.add(job.spill("sort-run", buffer));
    buffer = new ArrayList<>();
    reservation.releaseAll();
  }

  /** All records in order. Call once, after the last {@link #add}. */
  Iterator<Object> sorted() {
    buffer.sort(cmp);
    if (runs.isEmpty()) {
      return buffer.iterator();
    }
    PriorityQueue<Cursor> heap = new PriorityQueue<>((a, b) -> cmp.compare(a.head, b.head));
    for (Path run : runs) {
      try {
        SpillInput in = job.serde.openRead(run);
        open.add(in);
        Iterator<Object> it = iterate(in, run);
        if (it.hasNext()) {
          heap.add(new Cursor(it));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read sort run " + run + ": " + e.getMessage(), e);
      }
    }
    Iterator<Object> mem = buffer.iterator();
    if (mem.hasNext()) {
      heap.add(new Cursor(mem));
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return !heap.isEmpty();
      }

      @Override
      public Object next() {
        Cursor c = heap.poll();
        if (c == null) {
          throw new NoSuchElementException();
        }
        Object r = c.head;
        if (c.it.hasNext()) {
          c.head = c.it.next();
          heap.add(c);
        }
        return r;
      }
    };
  }

  static Iterator<Object> iterate(SpillInput in, Path file) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return in.hasNext();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read spill file " + file + ": " + e.getMessage(), e);
        }
      }

      @Override
      public Object next() {
        try {
          return in.next();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read spill file " + file + ": " + e.getMessage(), e);
        }
      }
    };
  }

  /** Releases memory and deletes the runs. */
  void close() {
    for (SpillInput in : open) {
      try {
        in.close();
      } catch (IOException ignored) {
        // Deleting the file below is what matters.
      }
    }
    open.clear();
    for (Path run : runs) {
      JobResources.deleteQuietly(run);
    }
    runs.clear();
    buffer = new ArrayList<>();
    reservation.releaseAll();
  }

  private static final class Cursor {
    final Iterator<Object> it;
    Object head;

    Cursor(Iterator<Object> it) {
      this.it = it;
      this.head = it.next();
    }
  }
}
