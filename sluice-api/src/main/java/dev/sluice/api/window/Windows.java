package dev.sluice.api.window;

import dev.sluice.api.time.TimeDomain;
import java.time.Duration;

/** Window assigners, over event time unless {@link WindowSpec#inProcessingTime()} is applied. */
public final class Windows {
  private Windows() {}

  /** Fixed-size, non-overlapping windows aligned to the epoch. */
  public static WindowSpec tumbling(Duration size) {
    return tumbling(size, Duration.ZERO);
  }

  /** Tumbling windows whose starts are shifted by {@code offset}. */
  public static WindowSpec tumbling(Duration size, Duration offset) {
    long s = WindowSpec.millis(size, "size");
    return new WindowSpec(WindowSpec.Kind.TUMBLING, s, s, 0, WindowSpec.millis(offset, "offset"), TimeDomain.EVENT_TIME);
  }

  /** Windows of {@code size} starting every {@code slide}; an element is in {@code size / slide} of them. */
  public static WindowSpec sliding(Duration size, Duration slide) {
    return new WindowSpec(WindowSpec.Kind.SLIDING, WindowSpec.millis(size, "size"), WindowSpec.millis(slide, "slide"),
        0, 0, TimeDomain.EVENT_TIME);
  }

  /** Per-key sessions: a window closes after {@code gap} without elements; overlapping sessions merge. */
  public static WindowSpec session(Duration gap) {
    return new WindowSpec(WindowSpec.Kind.SESSION, 0, 0, WindowSpec.millis(gap, "gap"), 0, TimeDomain.EVENT_TIME);
  }

  /** One window per key over all time; fires only by a trigger (e.g. {@link Trigger#count}) or at end of input. */
  public static WindowSpec global() {
    return new WindowSpec(WindowSpec.Kind.GLOBAL, 0, 0, 0, 0, TimeDomain.EVENT_TIME);
  }
}
