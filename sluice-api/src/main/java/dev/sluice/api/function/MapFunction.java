package dev.sluice.api.function;

import java.io.Serializable;

/** Transforms one record into one record. Called on a worker thread; must not block on I/O. */
@FunctionalInterface
public interface MapFunction<T, R> extends Serializable {
  R apply(T value) throws Exception;
}
