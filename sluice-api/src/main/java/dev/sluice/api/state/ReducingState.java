package dev.sluice.api.state;

/** A value per key folded with a reduce function on every {@link #add}. */
public interface ReducingState<T> extends State {
  /** The reduced value, null if nothing was added. */
  T get();

  void add(T value) throws Exception;
}
