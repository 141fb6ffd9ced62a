package dev.sluice.api.function;

import java.io.Serializable;

/** Extracts a long from a record, e.g. for {@code sum}. */
@FunctionalInterface
public interface ToLongFunction<T> extends Serializable {
  long applyAsLong(T value) throws Exception;
}
