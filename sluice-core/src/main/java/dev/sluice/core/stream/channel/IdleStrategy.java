package dev.sluice.core.stream.channel;

import java.util.concurrent.locks.LockSupport;

/**
 * Agrona-style backoff for duty-cycle loops: after work, reset; after idle rounds, spin, then yield,
 * then park for exponentially growing periods up to a cap. One instance per thread; not thread-safe.
 */
public final class IdleStrategy {
  private static final int SPINS = 64;
  private static final int YIELDS = 32;
  private static final long MIN_PARK_NANOS = 1_000;
  private final long maxParkNanos;
  private int idleRounds;
  private long parkNanos = MIN_PARK_NANOS;

  /** @param maxParkNanos the longest park, which bounds how late an idle thread notices new work */
  public IdleStrategy(long maxParkNanos) {
    this.maxParkNanos = maxParkNanos;
  }

  /** Call after each duty cycle with the work it did. */
  public void idle(int workDone) {
    if (workDone > 0) {
      idleRounds = 0;
      parkNanos = MIN_PARK_NANOS;
      return;
    }
    idleRounds++;
    if (idleRounds <= SPINS) {
      Thread.onSpinWait();
    } else if (idleRounds <= SPINS + YIELDS) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(parkNanos);
      parkNanos = Math.min(maxParkNanos, parkNanos << 1);
    }
  }

  public void reset() {
    idleRounds = 0;
    parkNanos = MIN_PARK_NANOS;
  }
}
