package dev.sluice.core.stream.state;

import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.InspectableKeyedState.PendingTimer;
import dev.sluice.core.stream.KeyGroups;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The event-time and processing-time timers of one task, on the heap: the timer half of a
 * {@link KeyedStateBackend}, shared by the heap and the RocksDB backends (a task's timers are few
 * next to its state: at most one per key and time). Not thread-safe.
 */
public final class HeapTimers {
  private final TimerQueue eventTimers = new TimerQueue();
  private final TimerQueue processingTimers = new TimerQueue();
  private final int maxKeyGroups;

  /** @param maxKeyGroups the key groups of the keys, so the change log records each change's group */
  public HeapTimers(int maxKeyGroups) {
    this.maxKeyGroups = maxKeyGroups;
  }

  private TimerQueue queue(TimeDomain domain) {
    return domain == TimeDomain.EVENT_TIME ? eventTimers : processingTimers;
  }

  /** Timers added and removed since {@link #startLog} or the last {@link #swapLog}; null: not logging. */
  private Log log;

  /** Adds a timer (e.g. a restored one); false if {@code key} already had one at {@code time}. */
  public boolean register(TimeDomain domain, Object key, long time) {
    boolean added = queue(domain).add(key, time);
    if (added && log != null) {
      log.add(key, KeyGroups.of(key, maxKeyGroups), domain, time, true);
    }
    return added;
  }

  /** Adds a timer of {@code key}, whose key group the caller knows; false if it had one at {@code time}. */
  public boolean register(TimeDomain domain, Object key, int keyGroup, long time) {
    boolean added = queue(domain).add(key, time);
    if (added && log != null) {
      log.add(key, keyGroup, domain, time, true);
    }
    return added;
  }

  /** Removes a timer of {@code key}, whose key group the caller knows; false if there was none. */
  public boolean delete(TimeDomain domain, Object key, int keyGroup, long time) {
    boolean removed = queue(domain).delete(key, time);
    if (removed && log != null) {
      log.add(key, keyGroup, domain, time, false);
    }
    return removed;
  }

  /** Starts logging the timers added and removed (fired ones too), for incremental snapshots. */
  public void startLog() {
    log = new Log();
  }

  /** The log so far (no longer written to) and a fresh one; null if not logging. */
  public Log swapLog() {
    Log l = log;
    if (l != null) {
      log = new Log();
    }
    return l;
  }

  public void stopLog() {
    log = null;
  }

  /**
   * Timers added and removed, in order: per change the key, its key group, the domain, the time and
   * whether it was added. Written by the task's thread; read by another once handed out by
   * {@link #swapLog}. The key group is recorded on the task's thread (the backend's current key
   * group for a registration or deletion, computed from the just polled key for a firing) rather
   * than by the snapshot's thread, to which every key is a cache miss.
   */
  public static final class Log {
    private Object[] keys = new Object[64];
    private int[] groups = new int[64];
    private long[] times = new long[64];
    /** Bit 0: event time; bit 1: added. */
    private byte[] kinds = new byte[64];
    private int size;

    void add(Object key, int group, TimeDomain domain, long time, boolean added) {
      if (size == keys.length) {
        int n = size * 2;
        keys = java.util.Arrays.copyOf(keys, n);
        groups = java.util.Arrays.copyOf(groups, n);
        times = java.util.Arrays.copyOf(times, n);
        kinds = java.util.Arrays.copyOf(kinds, n);
      }
      keys[size] = key;
      groups[size] = group;
      times[size] = time;
      kinds[size] = (byte) ((domain == TimeDomain.EVENT_TIME ? 1 : 0) | (added ? 2 : 0));
      size++;
    }

    public int size() {
      return size;
    }

    public Object key(int i) {
      return keys[i];
    }

    public int group(int i) {
      return groups[i];
    }

    public long time(int i) {
      return times[i];
    }

    /** Bit 0: event time; bit 1: added (else removed). */
    public byte kind(int i) {
      return kinds[i];
    }
  }

  public boolean contains(TimeDomain domain, Object key, long time) {
    return queue(domain).contains(key, time);
  }

  /**
   * Removes the earliest timer of {@code domain} if its time is at most {@code limit}; its key and
   * time are then {@link #polledKey(TimeDomain)} and {@link #polledTime(TimeDomain)}.
   */
  public boolean pollDue(TimeDomain domain, long limit) {
    TimerQueue q = queue(domain);
    boolean polled = q.pollDue(limit);
    if (polled && log != null) {
      Object key = q.polledKey();
      log.add(key, KeyGroups.of(key, maxKeyGroups), domain, q.polledTime(), false);
    }
    return polled;
  }

  public Object polledKey(TimeDomain domain) {
    return queue(domain).polledKey();
  }

  public long polledTime(TimeDomain domain) {
    return queue(domain).polledTime();
  }

  /** The earliest timer of {@code domain}, {@link Long#MAX_VALUE} if none. */
  public long earliest(TimeDomain domain) {
    return queue(domain).earliest();
  }

  public int count(TimeDomain domain) {
    return queue(domain).size();
  }

  /** Every timer, event time first, each domain in time order. */
  public List<PendingTimer> pending() {
    List<PendingTimer> out = new ArrayList<>();
    for (TimeDomain d : new TimeDomain[] {TimeDomain.EVENT_TIME, TimeDomain.PROCESSING_TIME}) {
      for (Map.Entry<Long, LinkedHashSet<Object>> e : queue(d).entries()) {
        for (Object key : e.getValue()) {
          out.add(new PendingTimer(key, e.getKey(), d));
        }
      }
    }
    return out;
  }

  /**
   * Adds the timers whose keys fall in {@code groups} to the key-group states {@code groupState}
   * gives (by key group), event time first.
   */
  public void snapshot(int maxKeyGroups, KeyGroupRange groups, IntFunction<KeyedStateSnapshot.KeyGroupState> groupState) {
    capture().byGroup(maxKeyGroups, groups).forEach((g, timers) -> groupState.apply(g).timers().addAll(timers));
  }

  /**
   * The timers as they are now, in a flat copy (no hashing or grouping on the caller's thread), to
   * be grouped by key group later with {@link Captured#byGroup}, e.g. on the thread that writes a
   * checkpoint. Keys are shared (they are immutable).
   */
  public Captured capture() {
    int n = eventTimers.size() + processingTimers.size();
    Object[] keys = new Object[n];
    long[] times = new long[n];
    boolean[] event = new boolean[n];
    int i = 0;
    for (TimeDomain d : new TimeDomain[] {TimeDomain.EVENT_TIME, TimeDomain.PROCESSING_TIME}) {
      for (Map.Entry<Long, LinkedHashSet<Object>> e : queue(d).entries()) {
        long time = e.getKey();
        for (Object key : e.getValue()) {
          keys[i] = key;
          times[i] = time;
          event[i] = d == TimeDomain.EVENT_TIME;
          i++;
        }
      }
    }
    return new Captured(keys, times, event, i);
  }

  /** A flat copy of a task's timers ({@link #capture}); immutable. */
  public static final class Captured {
    private final Object[] keys;
    private final long[] times;
    private final boolean[] event;
    private final int size;

    private Captured(Object[] keys, long[] times, boolean[] event, int size) {
      this.keys = keys;
      this.times = times;
      this.event = event;
      this.size = size;
    }

    /**
     * The timers whose keys fall in {@code groups}, by key group, event time first and each domain
     * in time order.
     */
    public Map<Integer, List<KeyedStateSnapshot.TimerEntry>> byGroup(int maxKeyGroups, KeyGroupRange groups) {
      Map<Integer, List<KeyedStateSnapshot.TimerEntry>> out = new java.util.HashMap<>();
      for (int i = 0; i < size; i++) {
        int g = KeyGroups.of(keys[i], maxKeyGroups);
        if (groups.contains(g)) {
          out.computeIfAbsent(g, x -> new ArrayList<>()).add(new KeyedStateSnapshot.TimerEntry(
              event[i] ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME, keys[i], times[i]));
        }
      }
      return out;
    }
  }

  public void clear() {
    eventTimers.clear();
    processingTimers.clear();
    log = null;
  }
}
