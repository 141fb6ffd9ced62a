package dev.sluice.core.stream.state;

import dev.sluice.api.state.State;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.InspectableKeyedState;
import dev.sluice.core.stream.KeyGroups;
import java.util.List;

/**
 * The keyed state and timers of one task, owning a range of key groups: what the handles of a
 * {@code KeyedProcessFunction} (value, list, map, reducing, aggregating) read
 * and write. Implementations: {@link HeapKeyedStateBackend} (the default) and, in
 * {@code sluice-rocksdb}, a RocksDB backend for state larger than the heap; the job picks one with
 * {@code RunOptions.withStateBackend} and the runtime creates it through a
 * {@link KeyedStateBackendFactory}.
 *
 * <p>Not thread-safe: created, used and closed by the task's thread (and by test harnesses on
 * theirs). The caller sets the current key ({@link #setCurrentKey}) before it calls the user's
 * function; the handles returned by {@link #state} then read and write that key's values.
 *
 * <p>Contract every implementation keeps (checked by the shared contract test):
 * <ul>
 *   <li>A key of a key group outside {@link #keyGroupRange()} is refused; state and timer calls
 *       without a current key fail with a message.
 *   <li>Time-to-live ({@link StateSpec#ttl()}): a key's value not written for {@code ttl} of
 *       processing time reads as absent; reads do not extend its life; for list and map state any
 *       write refreshes the whole list or map. {@link #removeExpired()} sweeps expired values.
 *   <li>Timers: per time domain at most one per key and time, polled in time order, keys of equal
 *       time in registration order.
 *   <li>{@link #snapshot(KeyGroupRange)} gives the same {@link KeyedStateSnapshot} for the same
 *       state whichever backend holds it (entries within a key group may come in another order), so
 *       checkpoints are uniform and a job may switch backends between runs; {@link #restore} takes
 *       the entries of the groups it owns and ignores the rest.
 * </ul>
 */
public interface KeyedStateBackend extends AutoCloseable {

  /** The number of key groups keys are mapped to ({@link KeyGroups#of}). */
  int maxKeyGroups();

  /** The key groups this backend owns. */
  KeyGroupRange keyGroupRange();

  // ---- current key ----

  /** Binds every state handle to {@code key} (and its key group) until the next call. */
  void setCurrentKey(Object key);

  /** Unbinds the handles: state access then fails until {@link #setCurrentKey} is called. */
  void clearCurrentKey();

  Object currentKey();

  /** The current key's group, -1 when there is no current key. */
  int currentKeyGroup();

  // ---- state ----

  /**
   * The handle of {@code spec}; asking twice for the same name gives the same handle. Two specs of
   * one name must have the same kind.
   */
  <S extends State> S state(StateSpec<S> spec);

  /** The smallest TTL of the registered states in ms, 0 if none has one. */
  long minTtlMillis();

  /** Removes every expired value of every state with a TTL; returns how many (key, state) values were removed. */
  int removeExpired();

  /** Number of keys holding a (live or not yet swept) value of state {@code name}; for tests (may scan). */
  int size(String name);

  /**
   * What state {@code name} holds for {@code key}, as its handle would read it (an aggregating
   * state's exported result; a copy of a list or map), or null; for test harnesses. Does not change
   * the current key or remove expired values.
   *
   * @throws IllegalArgumentException if no state of that name was registered or restored
   */
  Object inspect(String name, Object key) throws Exception;

  // ---- timers ----

  /** Registers a timer for the current key; false if it already existed (timers are deduplicated). */
  boolean registerTimer(TimeDomain domain, long time);

  /** Deletes the current key's timer at {@code time}; false if there was none. */
  boolean deleteTimer(TimeDomain domain, long time);

  boolean hasTimer(TimeDomain domain, Object key, long time);

  /**
   * Removes the earliest timer of {@code domain} if its time is at most {@code limit}, makes its key
   * the current key and returns true; {@link #polledTimerTime()} is then its time.
   */
  boolean pollTimer(TimeDomain domain, long limit);

  long polledTimerTime();

  /** The earliest timer of {@code domain}, {@link Long#MAX_VALUE} if none. */
  long earliestTimer(TimeDomain domain);

  int timerCount(TimeDomain domain);

  /** The timers not fired yet, event time first, each domain in time order; for test harnesses. */
  List<InspectableKeyedState.PendingTimer> pendingTimers();

  // ---- snapshot and restore ----

  /**
   * The state and timers of the key groups in {@code groups} (which must lie within this backend's
   * range), without expired values. Detached from the backend: later writes do not change it (see
   * {@link KeyedStateSnapshot} for the values themselves).
   */
  KeyedStateSnapshot snapshot(KeyGroupRange groups);

  /** The whole state of this backend ({@code snapshot(keyGroupRange())}). */
  default KeyedStateSnapshot snapshot() {
    return snapshot(keyGroupRange());
  }

  /**
   * Adds the entries and timers of {@code snapshot} whose key groups this backend owns; the others
   * are ignored, so every task of a rescaled job can restore from all snapshots of the previous
   * run. May be called for several snapshots (of disjoint ranges).
   *
   * @throws IllegalArgumentException if the snapshot was taken with another number of key groups
   */
  void restore(KeyedStateSnapshot snapshot);

  /** Releases what the backend holds (native memory, files); the backend is unusable afterwards. Idempotent. */
  @Override
  void close();
}
