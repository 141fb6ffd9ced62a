package dev.sluice.core.runtime;

import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.StreamOperators;
import java.util.function.BiFunction;

/**
 * Tuning of the streaming runtime. Memory held in channels is bounded by
 * {@code channels * channelCapacity * batchSize} records.
 *
 * @param channelCapacity batches (and control items) one channel holds; rounded up to a power of two
 * @param batchSize records per batch
 * @param maxParkNanos the longest an idle worker or I/O thread parks before looking again
 * @param operators creates the stream operators; {@link StreamOperators#create} unless a test substitutes its own
 */
public record StreamConfig(int channelCapacity, int batchSize, long maxParkNanos,
                           BiFunction<Op, ClassLoader, StreamOperator> operators) {
  /** 16 batches of 512 records per channel, idle threads park for at most 0.5 ms. */
  public static final StreamConfig DEFAULT = new StreamConfig(16, 512, 500_000);

  public StreamConfig(int channelCapacity, int batchSize, long maxParkNanos) {
    this(channelCapacity, batchSize, maxParkNanos, null);
  }

  /** The same configuration creating stream operators with {@code factory}. */
  public StreamConfig withOperators(BiFunction<Op, ClassLoader, StreamOperator> factory) {
    return new StreamConfig(channelCapacity, batchSize, maxParkNanos, factory);
  }

  public StreamConfig {
    if (channelCapacity < 1) {
      throw new IllegalArgumentException("channel capacity must be positive, was " + channelCapacity);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive, was " + batchSize);
    }
    if (maxParkNanos < 1) {
      throw new IllegalArgumentException("max park must be positive, was " + maxParkNanos);
    }
  }
}
