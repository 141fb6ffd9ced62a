package dev.sluice.api.function;

import java.io.Serializable;

/**
 * Emits zero or more records per input record into a {@link Collector}. This is the allocation-free
 * form of flatMap: no intermediate collection per record.
 */
@FunctionalInterface
public interface FlatMapFunction<T, R> extends Serializable {
  void flatMap(T value, Collector<R> out) throws Exception;
}
