package dev.sluice.api.state;

import java.util.Map;

/** A map per key. */
public interface MapState<UK, UV> extends State {
  UV get(UK key);

  void put(UK key, UV value);

  void remove(UK key);

  boolean contains(UK key);

  /** The current key's entries; do not modify the collection while iterating. */
  Iterable<Map.Entry<UK, UV>> entries();

  Iterable<UK> keys();

  Iterable<UV> values();

  boolean isEmpty();
}
