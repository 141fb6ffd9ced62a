package dev.sluice.api.source;

import dev.sluice.api.function.Collector;

/**
 * The collector a {@link SplitReader} gets in streaming mode: records may carry their own event
 * timestamp (a generator's event time, a Kafka record's timestamp). Readers test
 * {@code out instanceof SourceOutput} and fall back to {@link #collect(Object)} otherwise.
 */
public interface SourceOutput<T> extends Collector<T> {
  /** Emits a record with its event time in ms. */
  void collect(T record, long timestamp);

  /**
   * Declares that this split will emit no more records with timestamp {@code <= watermark} (test
   * streams, sources that know their event-time progress). The runtime uses it as the split's
   * watermark unless a {@code withTimestamps}/{@code withWatermarks} strategy follows the read, which
   * then replaces it. Must not go backwards.
   */
  default void emitWatermark(long watermark) {}
}
