package dev.sluice.api.function;

import java.io.Serializable;

/**
 * Extracts the key of a record. Keys must implement {@code equals} and {@code hashCode}
 * consistently, and must be deterministic: the same record always gives an equal key.
 */
@FunctionalInterface
public interface KeySelector<T, K> extends Serializable {
  K key(T value) throws Exception;
}
