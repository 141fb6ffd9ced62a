package dev.sluice.core.stream.state;

import dev.sluice.api.time.TimeDomain;
import java.io.Serializable;
import java.util.List;

/**
 * The keyed state and timers of a range of key groups, detached from the backend that produced it:
 * plain records, lists and the user's own values, so the checkpoint layer can serialize it with the
 * job's codec. It may be serialized later, on another thread, while the operator goes on: later
 * writes to the backend never show in it. The heap backend gets there by copy-on-write (its
 * {@code groups} list is lazy and builds each key group from maps the live state no longer writes
 * to; see {@link HeapKeyedStateBackend#snapshot}); other producers copy containers and array
 * accumulators ({@link StateCopies}). Other values are shared and must be immutable.
 *
 * <p>A snapshot whose {@code groups} list is a {@link Source} holds resources of its backend until
 * {@link #release()} (the checkpoint runtime calls it once the snapshot is written); an unreleased
 * snapshot stays correct, it only keeps the backend copying on write.
 *
 * @param maxKeyGroups the key-group count the keys were mapped with; a restore must use the same
 * @param range the key groups the snapshot covers
 * @param groups one entry per non-empty key group, in key-group order
 */
public record KeyedStateSnapshot(int maxKeyGroups, KeyGroupRange range, List<KeyGroupState> groups) implements Serializable {

  /** Format version of this record layout, for the checkpoint files of issue 4. */
  public static final int VERSION = 1;

  /**
   * A {@code groups} list produced lazily by a backend: it knows its state names without building
   * the groups, and holds backend resources until released.
   */
  public interface Source {
    /** The names of the states whose entries the groups may hold, in a fixed order. */
    List<String> stateNames();

    /** The snapshot will not be read again; idempotent, callable from any thread. */
    void release();
  }

  /**
   * A {@code groups} list just read from a checkpoint: no other object references its values, so
   * the first restore of each key group may take them without a copy ({@link #claim}); a second
   * restore of the same group copies as usual.
   */
  public static final class ExclusiveGroups extends java.util.ArrayList<KeyGroupState> {
    private final java.util.Set<Integer> claimed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public ExclusiveGroups(java.util.Collection<KeyGroupState> groups) {
      super(groups);
    }

    /** True exactly once per key group: the caller may then own that group's values. */
    public boolean claim(int keyGroup) {
      return claimed.add(keyGroup);
    }
  }

  /** A snapshot read back from a checkpoint, owning its values ({@link ExclusiveGroups}). */
  public static KeyedStateSnapshot exclusive(int maxKeyGroups, KeyGroupRange range, List<KeyGroupState> groups) {
    return new KeyedStateSnapshot(maxKeyGroups, range, new ExclusiveGroups(groups));
  }

  /** The distinct state names of the entries, in first-seen order (from the {@link Source} if lazy). */
  public List<String> stateNames() {
    if (groups instanceof Source s) {
      return s.stateNames();
    }
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    for (KeyGroupState g : groups) {
      for (StateEntry e : g.entries()) {
        names.add(e.state());
      }
    }
    return List.copyOf(names);
  }

  /** Releases what a lazy snapshot holds of its backend (see {@link Source}); a no-op otherwise. */
  public void release() {
    if (groups instanceof Source s) {
      s.release();
    }
  }

  /** In an incremental {@link Part}, the value of an entry whose key no longer has a value of that state. */
  public enum Removed { REMOVED }

  /**
   * In a delta {@link Part}, the state name of the entries that carry a key's timer changes
   * ({@link TimerChanges}) instead of its whole set of timers; no user state can have this name.
   */
  public static final String TIMER_CHANGES = "\u0000timers";

  /**
   * The timers one key got and lost since the part before, in order.
   *
   * @param kinds per change, bit 0 set for event time (else processing time), bit 1 set when the
   *     timer was added (else removed: deleted or fired)
   * @param times per change, the timer's time
   */
  public record TimerChanges(byte[] kinds, long[] times) implements Serializable {}

  /**
   * The {@code groups} list of one part of an incremental snapshot (the heap backend's, see
   * {@link HeapKeyedStateBackend#snapshotIncremental}): either a full snapshot ({@link #base()}
   * empty) or the entries whose keys changed since the parts of {@link #base()} were taken, a
   * removed value marked {@link Removed#REMOVED}; the timers are all of them in either case. The
   * checkpoint runtime writes the part into the job's shared directory under {@link #name()} and
   * records the list of parts; a restore reads them and {@link #fold}s them into one snapshot.
   */
  public interface Part {
    /** The file name of this part in the job's shared checkpoint directory (unique). */
    String name();

    /** The parts this one builds on, oldest (the full one) first; empty when this part is full. */
    List<String> base();
  }

  /**
   * The snapshot that the parts of an incremental snapshot describe, read back in order: the first
   * is full; each later one replaces the entries it holds, deletes those it marks
   * {@link Removed#REMOVED}, and applies its {@link #TIMER_CHANGES} to the timers. Owns its values
   * ({@link #exclusive}).
   */
  public static KeyedStateSnapshot fold(List<KeyedStateSnapshot> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("an incremental snapshot of no parts");
    }
    KeyedStateSnapshot last = parts.get(parts.size() - 1);
    java.util.TreeMap<Integer, java.util.LinkedHashMap<String, java.util.LinkedHashMap<Object, StateEntry>>> entries =
        new java.util.TreeMap<>();
    java.util.TreeMap<Integer, java.util.LinkedHashMap<Object, java.util.LinkedHashSet<TimerEntry>>> timers =
        new java.util.TreeMap<>();
    for (KeyedStateSnapshot part : parts) {
      if (part.maxKeyGroups() != last.maxKeyGroups()) {
        throw new IllegalStateException("the parts of an incremental snapshot disagree on the number of key groups ("
            + part.maxKeyGroups() + " and " + last.maxKeyGroups() + ")");
      }
      for (KeyGroupState g : part.groups()) {
        var byState = entries.computeIfAbsent(g.keyGroup(), k -> new java.util.LinkedHashMap<>());
        var byKey = timers.computeIfAbsent(g.keyGroup(), k -> new java.util.LinkedHashMap<>());
        for (TimerEntry t : g.timers()) {
          byKey.computeIfAbsent(t.key(), k -> new java.util.LinkedHashSet<>()).add(t);
        }
        for (StateEntry e : g.entries()) {
          if (e.state().equals(TIMER_CHANGES)) {
            TimerChanges c = (TimerChanges) e.value();
            var keyTimers = byKey.computeIfAbsent(e.key(), k -> new java.util.LinkedHashSet<>());
            for (int i = 0; i < c.times().length; i++) {
              TimerEntry t = new TimerEntry((c.kinds()[i] & 1) != 0 ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME,
                  e.key(), c.times()[i]);
              if ((c.kinds()[i] & 2) != 0) {
                keyTimers.add(t);
              } else {
                keyTimers.remove(t);
              }
            }
            continue;
          }
          var values = byState.computeIfAbsent(e.state(), k -> new java.util.LinkedHashMap<>());
          if (e.value() == Removed.REMOVED) {
            values.remove(e.key());
          } else {
            values.put(e.key(), e);
          }
        }
      }
    }
    java.util.TreeSet<Integer> keyGroups = new java.util.TreeSet<>();
    entries.forEach((g, byState) -> {
      if (byState.values().stream().anyMatch(m -> !m.isEmpty())) {
        keyGroups.add(g);
      }
    });
    timers.forEach((g, byKey) -> {
      if (byKey.values().stream().anyMatch(ts -> !ts.isEmpty())) {
        keyGroups.add(g);
      }
    });
    List<KeyGroupState> out = new java.util.ArrayList<>(keyGroups.size());
    for (int g : keyGroups) {
      java.util.ArrayList<StateEntry> es = new java.util.ArrayList<>();
      var byState = entries.get(g);
      if (byState != null) {
        byState.values().forEach(m -> es.addAll(m.values()));
      }
      java.util.ArrayList<TimerEntry> ts = new java.util.ArrayList<>();
      var byKey = timers.get(g);
      if (byKey != null) {
        byKey.values().forEach(ts::addAll);
        // event time first, each domain in time order (the order of a full snapshot)
        ts.sort(java.util.Comparator.comparing((TimerEntry t) -> t.domain() != TimeDomain.EVENT_TIME)
            .thenComparingLong(TimerEntry::time));
      }
      out.add(new KeyGroupState(g, es, ts));
    }
    return exclusive(last.maxKeyGroups(), last.range(), out);
  }

  /** Everything of one key group. */
  public record KeyGroupState(int keyGroup, List<StateEntry> entries, List<TimerEntry> timers) implements Serializable {}

  /**
   * One key's value of one named state.
   *
   * @param value the value (value, reducing state), the accumulator (aggregating state), an
   *     {@code ArrayList} (list state) or a {@code HashMap} (map state)
   * @param writtenAt processing time of the last write (for TTL)
   */
  public record StateEntry(String state, Object key, Object value, long writtenAt) implements Serializable {}

  /** One registered timer. */
  public record TimerEntry(TimeDomain domain, Object key, long time) implements Serializable {}

  /** Number of state entries (key x state name) in the snapshot. */
  public int entryCount() {
    int n = 0;
    for (KeyGroupState g : groups) {
      n += g.entries().size();
    }
    return n;
  }

  /** Number of timers in the snapshot. */
  public int timerCount() {
    int n = 0;
    for (KeyGroupState g : groups) {
      n += g.timers().size();
    }
    return n;
  }
}
