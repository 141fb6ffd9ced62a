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
  private int size;
  private Object polledKey;
  private long polledTime;

  /** Adds a timer; false if the key already had one at {@code time}. */
  boolean add(Object key, long time) {
    LinkedHashSet<Object> keys = byTime.get(time);
    if (keys == null) {
      keys = new LinkedHashSet<>(4);
      byTime.put(time, keys);
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
    }
    size--;
    return true;
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
    size = 0;
  }
}
