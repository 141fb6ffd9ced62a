package dev.sluice.api.function;

import java.io.Serializable;

/** Maps one record to an {@link Iterable} of records; the convenient form of flatMap. */
@FunctionalInterface
public interface IterableFunction<T, R> extends Serializable {
  Iterable<R> apply(T value) throws Exception;
}
