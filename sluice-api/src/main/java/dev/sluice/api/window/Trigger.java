package dev.sluice.api.window;

import java.io.Serializable;
import java.time.Duration;

/**
 * When a window emits its result. The default fires once when time passes the window's end (and
 * again for every late element within the allowed lateness).
 *
 * @param countEvery if positive: fire and purge the window's contents every this many elements
 *     (count windows, usually with {@link Windows#global()}); 0 otherwise
 * @param earlyEveryMs if positive: also emit early (partial) results every this many ms of
 *     processing time while the window is open; 0 otherwise
 */
public record Trigger(long countEvery, long earlyEveryMs) implements Serializable {
  public Trigger {
    if (countEvery < 0) {
      throw new IllegalArgumentException("count must be positive, was " + countEvery);
    }
    if (earlyEveryMs < 0) {
      throw new IllegalArgumentException("early firing interval must be positive, was " + earlyEveryMs + " ms");
    }
  }

  /** Fire when the watermark (or processing time) passes the window's end. */
  public static Trigger onTime() {
    return new Trigger(0, 0);
  }

  /** Fire and purge every {@code n} elements per key and window. */
  public static Trigger count(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("count must be positive, was " + n);
    }
    return new Trigger(n, 0);
  }

  /** Fire on time, plus early results every {@code interval} of processing time. */
  public static Trigger earlyEvery(Duration interval) {
    long ms = interval.toMillis();
    if (ms <= 0) {
      throw new IllegalArgumentException("early firing interval must be positive, was " + interval);
    }
    return new Trigger(0, ms);
  }
}
