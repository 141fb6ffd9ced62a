package dev.sluice.core.stream.state;

import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.OperatorContext;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The per-key entries of a keyed operator's snapshot that fall into one key group: the unit in
 * which the window, window-join and interval-join operators snapshot their state, so that
 * {@code restoreState} at any parallelism keeps exactly the groups a task owns (see
 * {@link KeyGroupRange#ofPartition}). An entry is an operator-specific record holding its key.
 *
 * @param keyGroup the key group ({@link KeyGroups#of})
 * @param keys the keys of the entries, parallel to {@code entries}
 * @param entries one operator-specific record per key
 */
public record KeyGroupEntries(int keyGroup, ArrayList<Object> keys, ArrayList<Object> entries) implements Serializable {

  /** Collects entries by key group while a snapshot is taken; {@link #build} sorts them by group. */
  public static final class Collector {
    private final int maxKeyGroups;
    private final TreeMap<Integer, KeyGroupEntries> groups = new TreeMap<>();

    public Collector(int maxKeyGroups) {
      this.maxKeyGroups = maxKeyGroups;
    }

    public void add(Object key, Object entry) {
      int g = KeyGroups.of(key, maxKeyGroups);
      KeyGroupEntries e = groups.get(g);
      if (e == null) {
        e = new KeyGroupEntries(g, new ArrayList<>(), new ArrayList<>());
        groups.put(g, e);
      }
      e.keys.add(key);
      e.entries.add(entry);
    }

    public ArrayList<KeyGroupEntries> build() {
      return new ArrayList<>(groups.values());
    }
  }

  /**
   * Calls {@code each} with every (key, entry) of {@code groups} whose key group this task owns at
   * its parallelism; the others belong to other tasks and are skipped.
   *
   * @throws IllegalArgumentException if the snapshot was taken with another number of key groups
   */
  public static void forOwned(OperatorContext ctx, String what, int snapshotMaxKeyGroups, List<KeyGroupEntries> groups,
      BiConsumer<Object, Object> each) {
    if (snapshotMaxKeyGroups != ctx.maxKeyGroups()) {
      throw new IllegalArgumentException(ctx.name() + ": cannot restore " + what + " taken with "
          + snapshotMaxKeyGroups + " key groups into a job of " + ctx.maxKeyGroups()
          + ": the number of key groups must not change");
    }
    KeyGroupRange owned = KeyGroupRange.ofPartition(ctx.partition(), ctx.maxKeyGroups(), ctx.parallelism());
    for (KeyGroupEntries g : groups) {
      if (!owned.contains(g.keyGroup())) {
        continue;
      }
      for (int i = 0; i < g.keys.size(); i++) {
        each.accept(g.keys.get(i), g.entries.get(i));
      }
    }
  }
}
