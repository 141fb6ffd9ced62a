package dev.sluice.api.window;

import dev.sluice.api.function.Collector;
import java.io.Serializable;

/** Sees all elements of one key's window at once, when it fires. Elements are kept until then (no pre-aggregation). */
@FunctionalInterface
public interface WindowFunction<K, T, R> extends Serializable {
  void process(K key, Window window, Iterable<T> elements, Collector<R> out) throws Exception;
}
