package dev.sluice.api.function;

/**
 * Receives the records an operator emits. Not thread-safe: a collector belongs to the task that
 * handed it to the function and must not be kept after the call returns.
 */
@FunctionalInterface
public interface Collector<T> {
  void collect(T record);
}
