package dev.sluice.kafka;

import java.io.Serializable;
import java.util.Objects;

/**
 * Where a {@link KafkaSource} starts reading each partition when the job starts without a checkpoint
 * (a job resuming from a checkpoint continues from the offsets stored in it). Resolved once, when
 * the job starts: {@code latest()} means the end at that moment.
 */
public final class StartingOffsets implements Serializable {
  private static final long serialVersionUID = 1L;

  enum Kind { EARLIEST, LATEST, TIMESTAMP, COMMITTED }

  final Kind kind;
  final long timestamp;
  final StartingOffsets fallback;

  private StartingOffsets(Kind kind, long timestamp, StartingOffsets fallback) {
    this.kind = kind;
    this.timestamp = timestamp;
    this.fallback = fallback;
  }

  /** The first offset still in the log. */
  public static StartingOffsets earliest() {
    return new StartingOffsets(Kind.EARLIEST, 0, null);
  }

  /** The end of each partition when the job starts: only records written later are read. */
  public static StartingOffsets latest() {
    return new StartingOffsets(Kind.LATEST, 0, null);
  }

  /** The first record with a timestamp at or after {@code epochMillis}; the end if there is none. */
  public static StartingOffsets timestamp(long epochMillis) {
    if (epochMillis < 0) {
      throw new IllegalArgumentException("timestamp must not be negative, was " + epochMillis);
    }
    return new StartingOffsets(Kind.TIMESTAMP, epochMillis, null);
  }

  /** The consumer group's committed offsets (needs {@code groupId}); {@code fallback} for partitions without one. */
  public static StartingOffsets committed(StartingOffsets fallback) {
    Objects.requireNonNull(fallback, "fallback");
    if (fallback.kind == Kind.COMMITTED) {
      throw new IllegalArgumentException("the fallback of committed offsets must be earliest, latest or a timestamp");
    }
    return new StartingOffsets(Kind.COMMITTED, 0, fallback);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case EARLIEST -> "earliest";
      case LATEST -> "latest";
      case TIMESTAMP -> "timestamp(" + timestamp + ")";
      case COMMITTED -> "committed(else " + fallback + ")";
    };
  }
}
