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
  /** Parks of doubling length after which a thread counts as {@link #longIdle} (about 1 ms of them). */
  private static final int PARKS_BEFORE_LONG_IDLE = 10;
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

  /**
   * Idle through the spins, the yields and about a millisecond of parks: a thread that can be
   * signalled (a sink thread, {@code Channel#awaitItem}) may then block until it is, instead of
   * waking every {@code maxParkNanos}.
   */
  public boolean longIdle() {
    return idleRounds > SPINS + YIELDS + PARKS_BEFORE_LONG_IDLE;
  }

  public void reset() {
    idleRounds = 0;
    parkNanos = MIN_PARK_NANOS;
  }
}
