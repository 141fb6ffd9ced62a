package dev.sluice.api.state;

/** One value per key; null when unset or expired. */
public interface ValueState<T> extends State {
  T value();

  void update(T value);
}
