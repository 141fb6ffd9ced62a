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
}
