package dev.sluice.api.window;

import dev.sluice.api.time.TimeDomain;
import java.io.Serializable;
import java.time.Duration;

/**
 * Which windows an element belongs to. Made by {@link Windows}; immutable.
 *
 * @param kind tumbling, sliding, session or global
 * @param size window length in ms (tumbling, sliding)
 * @param slide distance between window starts in ms (sliding; equals size for tumbling)
 * @param gap inactivity gap in ms that closes a session
 * @param offset shifts window starts, e.g. to align daily windows to a time zone
 * @param domain event time (default) or processing time
 */
public record WindowSpec(Kind kind, long size, long slide, long gap, long offset, TimeDomain domain) implements Serializable {
  public enum Kind { TUMBLING, SLIDING, SESSION, GLOBAL }

  public WindowSpec {
    switch (kind) {
      case TUMBLING, SLIDING -> {
        if (size <= 0) {
          throw new IllegalArgumentException("window size must be positive, was " + size + " ms");
        }
        if (slide <= 0 || slide > size) {
          throw new IllegalArgumentException("window slide must be positive and at most the size (" + size + " ms), was " + slide + " ms");
        }
      }
      case SESSION -> {
        if (gap <= 0) {
          throw new IllegalArgumentException("session gap must be positive, was " + gap + " ms");
        }
      }
      case GLOBAL -> { }
    }
  }

  /** The same windows over processing time instead of event time. */
  public WindowSpec inProcessingTime() {
    return new WindowSpec(kind, size, slide, gap, offset, TimeDomain.PROCESSING_TIME);
  }

  /** Start of the latest window (tumbling or sliding) that contains {@code timestamp}. */
  public long lastStart(long timestamp) {
    return timestamp - Math.floorMod(timestamp - offset, slide);
  }

  static long millis(Duration d, String what) {
    if (d == null) {
      throw new NullPointerException(what);
    }
    return d.toMillis();
  }
}
