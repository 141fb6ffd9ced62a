package dev.sluice.examples.clickstream;

import java.io.Serializable;

/**
 * A row of {@code page_dwell}: the total dwell time of the clicks on {@code page} in the 1-minute
 * window starting at {@code windowStart} that have a dwell time, and their number.
 */
public record PageDwell(String page, long windowStart, long totalDwellMs, long clicksWithDwell) implements Serializable {
  /** {@code totalDwellMs / clicksWithDwell}. */
  public double avgDwellMs() {
    return clicksWithDwell == 0 ? 0.0 : (double) totalDwellMs / clicksWithDwell;
  }
}
