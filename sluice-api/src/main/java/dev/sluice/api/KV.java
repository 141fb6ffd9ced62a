package dev.sluice.api;

import java.io.Serializable;

/** A key and a value: the output of keyed operations. Immutable. */
public record KV<K, V>(K key, V value) implements Serializable {
  public static <K, V> KV<K, V> of(K key, V value) {
    return new KV<>(key, value);
  }

  @Override
  public String toString() {
    return key + "=" + value;
  }
}
