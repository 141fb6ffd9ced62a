package dev.sluice.api.time;

/**
 * Tracks event time for one input (one source split, or one task's input) and says how far it has
 * progressed. One instance per input, used by one thread; not thread-safe.
 *
 * <p>The runtime calls {@link #onEvent} for every record and {@link #currentWatermark} after each
 * chunk of records and periodically (so idle inputs are noticed); it forwards a watermark only when
 * it advances. A watermark {@code w} promises that no more records with timestamp {@code <= w}
 * follow; records that break the promise are late.
 */
public interface WatermarkGenerator<T> {
  void onEvent(T event, long timestamp);

  /** The current watermark; {@link Long#MIN_VALUE} before any is known. Must not go backwards. */
  long currentWatermark();
}
