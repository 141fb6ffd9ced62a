package dev.sluice.test;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A processing-time clock that moves only when a test moves it: pass it to
 * {@code RunOptions.withClock} (and to a rate-limited generator's {@code withClock}) and advance it
 * from the test. Thread-safe: the test thread advances it while the job's threads read it. Never
 * goes backwards. A serialized copy is an independent clock: share the instance, not a copy.
 */
public final class VirtualClock implements InstantSource, Serializable {
  private final AtomicLong millis;

  /** A clock at {@code startMillis} ms since the epoch. */
  public VirtualClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  /** A clock at the epoch (0 ms). */
  public VirtualClock() {
    this(0);
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  /** Moves the clock forward by {@code d}; returns the new time in ms. */
  public long advance(Duration d) {
    long ms = d.toMillis();
    if (ms < 0) {
      throw new IllegalArgumentException("a virtual clock cannot go backwards; advance by " + d + " requested");
    }
    return millis.addAndGet(ms);
  }

  /** Sets the clock to {@code timeMillis}, which must not be before the current time. */
  public void set(long timeMillis) {
    long now = millis.get();
    while (true) {
      if (timeMillis < now) {
        throw new IllegalArgumentException("a virtual clock cannot go backwards: " + timeMillis + " ms is before " + now + " ms");
      }
      if (millis.compareAndSet(now, timeMillis)) {
        return;
      }
      now = millis.get();
    }
  }

  @Override
  public String toString() {
    return "VirtualClock[" + millis.get() + " ms]";
  }
}
