package dev.sluice.core.stream.state;

import dev.sluice.api.time.TimeDomain;
import java.io.Serializable;
import java.util.List;

/**
 * The keyed state and timers of a range of key groups, detached from the backend that produced it:
 * plain records, lists and the user's own values, so the checkpoint layer can serialize it with the
 * job's codec. Containers (list and map state) and array accumulators (the built-in aggregations'
 * {@code long[]}, {@code double[]}, {@code Object[]}, mutated in place) are copied when the snapshot
 * is taken ({@link StateCopies}), so it may be serialized later, on another thread, while the
 * operator goes on; other values are shared and must be immutable.
 *
 * @param maxKeyGroups the key-group count the keys were mapped with; a restore must use the same
 * @param range the key groups the snapshot covers
 * @param groups one entry per non-empty key group, in key-group order
 */
public record KeyedStateSnapshot(int maxKeyGroups, KeyGroupRange range, List<KeyGroupState> groups) implements Serializable {

  /** Format version of this record layout, for the checkpoint files of issue 4. */
  public static final int VERSION = 1;

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
