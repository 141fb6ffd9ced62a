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
