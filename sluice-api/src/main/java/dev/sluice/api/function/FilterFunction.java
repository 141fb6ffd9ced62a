package dev.sluice.api.function;

import java.io.Serializable;

/** Keeps the records for which {@link #test} returns true. */
@FunctionalInterface
public interface FilterFunction<T> extends Serializable {
  boolean test(T value) throws Exception;
}
