package dev.sluice.api.time;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How event time progresses for a source: a factory of {@link WatermarkGenerator}s (one per input)
 * plus an optional idleness timeout after which an input that receives nothing is marked idle, so it
 * does not hold back the watermark downstream (the minimum over live inputs).
 *
 * @param generator creates one generator per input
 * @param idleTimeout null for never idle
 */
public record WatermarkStrategy<T>(GeneratorFactory<T> generator, Duration idleTimeout) implements Serializable {

  /** Creates a generator per input; serializable so it travels with the plan. */
  @FunctionalInterface
  public interface GeneratorFactory<T> extends Serializable {
    WatermarkGenerator<T> create();
  }

  public WatermarkStrategy {
    Objects.requireNonNull(generator, "generator");
    if (idleTimeout != null && (idleTimeout.isNegative() || idleTimeout.isZero())) {
      throw new IllegalArgumentException("idle timeout must be positive, was " + idleTimeout);
    }
  }

  /**
   * Records arrive at most {@code maxOutOfOrderness} behind the largest timestamp seen: the watermark
   * is {@code maxTimestamp - maxOutOfOrderness - 1}.
   */
  public static <T> WatermarkStrategy<T> boundedOutOfOrderness(Duration maxOutOfOrderness) {
    Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
    if (maxOutOfOrderness.isNegative()) {
      throw new IllegalArgumentException("max out-of-orderness must not be negative, was " + maxOutOfOrderness);
    }
    long bound = maxOutOfOrderness.toMillis();
    return new WatermarkStrategy<>(() -> new BoundedOutOfOrderness<>(bound), null);
  }

  /** Timestamps never decrease: the watermark is {@code maxTimestamp - 1}. */
  public static <T> WatermarkStrategy<T> monotonous() {
    return new WatermarkStrategy<>(() -> new BoundedOutOfOrderness<>(0), null);
  }

  /** A user-written generator. */
  public static <T> WatermarkStrategy<T> custom(GeneratorFactory<T> factory) {
    return new WatermarkStrategy<>(factory, null);
  }

  /** No watermarks at all: event-time windows then fire only at the end of bounded input. */
  public static <T> WatermarkStrategy<T> none() {
    return new WatermarkStrategy<>(() -> new WatermarkGenerator<T>() {
      @Override public void onEvent(T event, long timestamp) {}
      @Override public long currentWatermark() { return Long.MIN_VALUE; }
    }, null);
  }

  /** Marks an input idle after {@code timeout} without records. */
  public WatermarkStrategy<T> withIdleness(Duration timeout) {
    return new WatermarkStrategy<>(generator, Objects.requireNonNull(timeout, "timeout"));
  }

  /** The generator of {@link #boundedOutOfOrderness} and {@link #monotonous}. */
  static final class BoundedOutOfOrderness<T> implements WatermarkGenerator<T> {
    private final long bound;
    private long max = Long.MIN_VALUE;

    BoundedOutOfOrderness(long bound) {
      this.bound = bound;
    }

    @Override
    public void onEvent(T event, long timestamp) {
      if (timestamp > max) {
        max = timestamp;
      }
    }

    @Override
    public long currentWatermark() {
      return max == Long.MIN_VALUE ? Long.MIN_VALUE : max - bound - 1;
    }
  }
}
