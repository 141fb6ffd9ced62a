package dev.sluice.core.stream.state;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * The timers of one time domain: at most one per key and time, polled in time order (keys of equal
 * time in registration order). Timers are indexed by time only; a key-group snapshot scans them and
 * groups them by their key's group, once per checkpoint.
 */
final class TimerQueue {
  private final TreeMap<Long, LinkedHashSet<Object>> byTime = new TreeMap<>();
  /**
   * The keys of the time last added to, or null: registrations come in runs of one time (e.g. the
   * timers of all keys whose sessions end in the same second), and a hit skips boxing the time and
   * walking the tree. Dropped when that time's set leaves the tree.
   */
  private LinkedHashSet<Object> lastKeys;
  private long lastTime;
  private int size;
  private Object polledKey;
  private long polledTime;

  /** Adds a timer; false if the key already had one at {@code time}. */
  boolean add(Object key, long time) {
    LinkedHashSet<Object> keys = lastKeys;
    if (keys == null || lastTime != time) {
      Long boxed = time;
      keys = byTime.get(boxed);
      if (keys == null) {
        keys = new LinkedHashSet<>(4);
        byTime.put(boxed, keys);
      }
      lastKeys = keys;
      lastTime = time;
    }
    if (keys.add(key)) {
      size++;
      return true;
    }
    return false;
  }

  /** Removes a timer; false if there was none. */
  boolean delete(Object key, long time) {
    LinkedHashSet<Object> keys = byTime.get(time);
    if (keys == null || !keys.remove(key)) {
      return false;
    }
    if (keys.isEmpty()) {
      byTime.remove(time);
      forget(keys);
    }
    size--;
    return true;
  }

  private void forget(LinkedHashSet<Object> keys) {
    if (keys == lastKeys) {
      lastKeys = null;
    }
  }

  boolean contains(Object key, long time) {
    LinkedHashSet<Object> keys = byTime.get(time);
    return keys != null && keys.contains(key);
  }

  /**
   * Removes the earliest timer if its time is at most {@code limit}; its key and time are then
   * {@link #polledKey()} and {@link #polledTime()}.
   */
  boolean pollDue(long limit) {
    Map.Entry<Long, LinkedHashSet<Object>> first = byTime.firstEntry();
    if (first == null || first.getKey() > limit) {
      return false;
    }
    LinkedHashSet<Object> keys = first.getValue();
    Iterator<Object> it = keys.iterator();
    polledKey = it.next();
    it.remove();
    polledTime = first.getKey();
    if (keys.isEmpty()) {
      byTime.remove(polledTime);
      forget(keys);
    }
    size--;
    return true;
  }

  Object polledKey() {
    return polledKey;
  }

  long polledTime() {
    return polledTime;
  }

  /** The earliest timer's time, {@link Long#MAX_VALUE} if there is none (check {@link #size()}). */
  long earliest() {
    return byTime.isEmpty() ? Long.MAX_VALUE : byTime.firstKey();
  }

  int size() {
    return size;
  }

  /** All timers in time order, as (time, keys) entries. Read only. */
  Iterable<Map.Entry<Long, LinkedHashSet<Object>>> entries() {
    return byTime.entrySet();
  }

  void clear() {
    byTime.clear();
    lastKeys = null;
    size = 0;
  }
}
