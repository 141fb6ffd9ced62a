package dev.sluice.core.stream.state;

import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.InspectableKeyedState;
import dev.sluice.core.stream.KeyGroups;
import java.util.List;

/**
 * What the keyed state backends ({@link HeapKeyedStateBackend}, the RocksDB one) share: the key groups
 * they own, the current key and its key group (with the ownership and "is a key bound" checks), and
 * the timers, which every backend keeps on the heap ({@link HeapTimers}).
 */
public abstract class AbstractKeyedStateBackend implements KeyedStateBackend {
  protected final int maxKeyGroups;
  protected final KeyGroupRange range;
  protected final HeapTimers timers;
  /** The key state handles are bound to, or {@code null}. */
  protected Object currentKey;
  /** The key group of {@link #currentKey}, or -1 when no key is bound. */
  protected int currentGroup = -1;
  private long polledTime;

  /**
   * @param maxKeyGroups the number of key groups keys are mapped to ({@link KeyGroups#of})
   * @param range the key groups this backend owns; keys of other groups are refused
   */
  protected AbstractKeyedStateBackend(int maxKeyGroups, KeyGroupRange range) {
    if (maxKeyGroups < 1) {
      throw new IllegalArgumentException("maxKeyGroups must be positive, was " + maxKeyGroups);
    }
    if (range.end() > maxKeyGroups) {
      throw new IllegalArgumentException("key group range " + range + " exceeds maxKeyGroups " + maxKeyGroups);
    }
    this.maxKeyGroups = maxKeyGroups;
    this.range = range;
    this.timers = new HeapTimers(maxKeyGroups);
  }

  @Override
  public int maxKeyGroups() {
    return maxKeyGroups;
  }

  @Override
  public KeyGroupRange keyGroupRange() {
    return range;
  }

  // ---- current key ----

  /** The key group of {@code key}; throws if this backend does not own it. */
  protected final int ownedKeyGroup(Object key) {
    int group = KeyGroups.of(key, maxKeyGroups);
    if (!range.contains(group)) {
      throw new IllegalStateException("key " + key + " is in key group " + group
          + ", which this task does not own (it owns " + range + "): the input was not partitioned by KeyGroups");
    }
    return group;
  }

  /** Binds every state handle to {@code key} (and its key group) until the next call. */
  @Override
  public void setCurrentKey(Object key) {
    int group = ownedKeyGroup(key);
    currentKey = key;
    currentGroup = group;
  }

  /** Unbinds the handles: state access then fails until {@link #setCurrentKey} is called. */
  @Override
  public void clearCurrentKey() {
    currentKey = null;
    currentGroup = -1;
  }

  @Override
  public Object currentKey() {
    return currentKey;
  }

  @Override
  public int currentKeyGroup() {
    return currentGroup;
  }

  /** Throws unless a key is bound (state and timers are used outside processElement and onTimer otherwise). */
  protected void requireKey() {
    if (currentGroup < 0) {
      throw new IllegalStateException("keyed state and timers can only be used while a record or timer of a key"
          + " is processed (processElement, onTimer), not in open or close");
    }
  }

  /** Throws unless {@code groups} lies within this backend's range. */
  protected final void requireOwned(KeyGroupRange groups) {
    if (groups.start() < range.start() || groups.end() > range.end()) {
      throw new IllegalArgumentException("cannot snapshot key groups " + groups + ": this backend owns " + range);
    }
  }

  // ---- timers (on the heap) ----

  @Override
  public List<InspectableKeyedState.PendingTimer> pendingTimers() {
    return timers.pending();
  }

  @Override
  public boolean registerTimer(TimeDomain domain, long time) {
    requireKey();
    return timers.register(domain, currentKey, currentGroup, time);
  }

  @Override
  public boolean deleteTimer(TimeDomain domain, long time) {
    requireKey();
    return timers.delete(domain, currentKey, currentGroup, time);
  }

  @Override
  public boolean hasTimer(TimeDomain domain, Object key, long time) {
    return timers.contains(domain, key, time);
  }

  @Override
  public boolean pollTimer(TimeDomain domain, long limit) {
    if (!timers.pollDue(domain, limit)) {
      return false;
    }
    setCurrentKey(timers.polledKey(domain));
    polledTime = timers.polledTime(domain);
    return true;
  }

  @Override
  public long polledTimerTime() {
    return polledTime;
  }

  @Override
  public long earliestTimer(TimeDomain domain) {
    return timers.earliest(domain);
  }

  @Override
  public int timerCount(TimeDomain domain) {
    return timers.count(domain);
  }
}
