package dev.sluice.core.stream.state;

import dev.sluice.core.stream.KeyGroups;
import java.io.Serializable;

/**
 * A contiguous range of key groups {@code [start, end)}: what one task owns of the keyed state, and
 * the unit in which keyed state is snapshotted and restored (so a job can be restored at another
 * parallelism, as in Flink).
 */
public record KeyGroupRange(int start, int end) implements Serializable {
  public KeyGroupRange {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("key group range must satisfy 0 <= start <= end, was [" + start + ", " + end + ")");
    }
  }

  /** Every key group of {@code maxKeyGroups}. */
  public static KeyGroupRange all(int maxKeyGroups) {
    return new KeyGroupRange(0, maxKeyGroups);
  }

  /** The key groups {@code partition} owns at {@code parallelism} ({@link KeyGroups#partitionOf} inverted). */
  public static KeyGroupRange ofPartition(int partition, int maxKeyGroups, int parallelism) {
    if (parallelism < 1 || partition < 0 || partition >= parallelism) {
      throw new IllegalArgumentException("partition must be in [0, " + parallelism + "), was " + partition);
    }
    return new KeyGroupRange(KeyGroups.firstGroup(partition, maxKeyGroups, parallelism),
        KeyGroups.firstGroup(partition + 1, maxKeyGroups, parallelism));
  }

  public boolean contains(int keyGroup) {
    return keyGroup >= start && keyGroup < end;
  }

  public int size() {
    return end - start;
  }

  @Override
  public String toString() {
    return "[" + start + ", " + end + ")";
  }
}
