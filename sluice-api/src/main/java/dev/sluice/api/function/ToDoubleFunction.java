package dev.sluice.api.function;

import java.io.Serializable;

/** Extracts a double from a record, e.g. for {@code sumDouble}. */
@FunctionalInterface
public interface ToDoubleFunction<T> extends Serializable {
  double applyAsDouble(T value) throws Exception;
}
