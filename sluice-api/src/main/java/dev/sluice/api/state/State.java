package dev.sluice.api.state;

/**
 * Keyed state: a handle whose value belongs to the key of the record (or timer) being processed.
 * Handles are obtained once in {@code open} and used from the task's thread only.
 */
public interface State {
  /** Removes the current key's value. */
  void clear();
}
