package dev.sluice.core.stream;

import dev.sluice.api.time.TimeDomain;
import java.util.List;

/**
 * Implemented by keyed {@link StreamOperator}s (the keyed process operator) so that test harnesses
 * ({@code sluice-test}'s {@code KeyedProcessFunctionHarness}) can show users their operator's keyed
 * state and pending timers. Read-only: the harness never changes state through it. Called on the
 * operator's thread, between calls of the {@link StreamOperator} contract.
 */
public interface InspectableKeyedState {

  /** A registered timer that has not fired yet. */
  record PendingTimer(Object key, long time, TimeDomain domain) {}

  /**
   * The value that the state named {@code stateName} holds for {@code key}, as its handle would read
   * it for that key: the value of a value state; a {@code List} for a list state; a {@code Map} for
   * a map state; the reduced value of a reducing state; the exported result of an aggregating
   * state. Null when the key has no value (never written, cleared or expired). Returns a copy or
   * an unmodifiable view.
   *
   * @throws IllegalArgumentException if the operator declared no state of that name
   */
  Object stateValue(String stateName, Object key);

  /** The timers of all keys registered and not fired yet, ordered by domain, then time. */
  List<PendingTimer> pendingTimers();
}
