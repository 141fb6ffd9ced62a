package dev.sluice.core.stream;

/**
 * Maps keys to key groups and key groups to partitions, so keyed state can be restored at another
 * parallelism: a key's group never changes; a task owns a contiguous range of groups (as in Flink).
 */
public final class KeyGroups {
  /** Default number of key groups. */
  public static final int DEFAULT_MAX = 128;

  private KeyGroups() {}

  /** The key group of {@code key}: a murmur-mixed hash code modulo {@code maxKeyGroups}. */
  public static int of(Object key, int maxKeyGroups) {
    return Math.floorMod(mix(key == null ? 0 : key.hashCode()), maxKeyGroups);
  }

  /** The partition that owns {@code keyGroup} at {@code parallelism}. */
  public static int partitionOf(int keyGroup, int maxKeyGroups, int parallelism) {
    return keyGroup * parallelism / maxKeyGroups;
  }

  /** The partition that owns {@code key}. */
  public static int partitionOfKey(Object key, int maxKeyGroups, int parallelism) {
    return partitionOf(of(key, maxKeyGroups), maxKeyGroups, parallelism);
  }

  /** First key group (inclusive) owned by {@code partition}. */
  public static int firstGroup(int partition, int maxKeyGroups, int parallelism) {
    return (partition * maxKeyGroups + parallelism - 1) / parallelism;
  }

  static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
