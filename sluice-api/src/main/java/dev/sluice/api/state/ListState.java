package dev.sluice.api.state;

import java.util.List;

/** A list per key, in insertion order. */
public interface ListState<T> extends State {
  /** The current key's elements (empty, never null). Do not modify it; use {@link #add} / {@link #update}. */
  Iterable<T> get();

  void add(T value);

  void addAll(List<T> values);

  /** Replaces the list. */
  void update(List<T> values);
}
