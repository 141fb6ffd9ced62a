package dev.sluice.api.window;

import java.io.Serializable;

/**
 * A window of event or processing time: the half-open interval {@code [start, end)} in milliseconds.
 * The global window is {@code [Long.MIN_VALUE, Long.MAX_VALUE)}.
 */
public record Window(long start, long end) implements Serializable, Comparable<Window> {
  public static final Window GLOBAL = new Window(Long.MIN_VALUE, Long.MAX_VALUE);

  public Window {
    if (end <= start) {
      throw new IllegalArgumentException("window end must be after its start, was [" + start + ", " + end + ")");
    }
  }

  /** The largest timestamp in the window; results of the window carry it as their timestamp. */
  public long maxTimestamp() {
    return end - 1;
  }

  public boolean contains(long timestamp) {
    return timestamp >= start && timestamp < end;
  }

  public boolean intersects(Window other) {
    return start <= other.end && other.start <= end;
  }

  /** The smallest window covering both (session merging). */
  public Window cover(Window other) {
    return new Window(Math.min(start, other.start), Math.max(end, other.end));
  }

  @Override
  public int compareTo(Window o) {
    int c = Long.compare(start, o.start);
    return c != 0 ? c : Long.compare(end, o.end);
  }

  @Override
  public String toString() {
    return this.equals(GLOBAL) ? "[global]" : "[" + start + ", " + end + ")";
  }
}
