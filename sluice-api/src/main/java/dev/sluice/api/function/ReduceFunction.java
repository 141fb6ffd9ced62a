package dev.sluice.api.function;

import java.io.Serializable;

/** Combines two values of the same key into one. Must be associative; the order of calls is not defined. */
@FunctionalInterface
public interface ReduceFunction<T> extends Serializable {
  T reduce(T a, T b) throws Exception;
}
