package dev.sluice.core.stream.channel;

/**
 * A reusable carrier of up to {@link #capacity()} records with a parallel array of event timestamps
 * (and, on hash exchanges, of keys), plus the latency stamp of its oldest record. Owned by one thread
 * at a time: the producer fills it, a {@link Channel} hands it over, the consumer reads it and
 * recycles it. Never visible to user code.
 */
public final class Batch {
  /** {@link #stampNanos} of a batch whose records were not stamped (e.g. emitted at end of input). */
  public static final long NO_STAMP = Long.MAX_VALUE;

  public final Object[] records;
  public final long[] timestamps;
  /** Keys computed by a hash exchange, or null on other edges. */
  public final Object[] keys;
  public int size;
  /** {@link System#nanoTime()} at which the oldest record of this batch was read by its source. */
  public long stampNanos = NO_STAMP;

  public Batch(int capacity, boolean withKeys) {
    if (capacity < 1) {
      throw new IllegalArgumentException("batch capacity must be positive, was " + capacity);
    }
    records = new Object[capacity];
    timestamps = new long[capacity];
    keys = withKeys ? new Object[capacity] : null;
  }

  public int capacity() {
    return records.length;
  }

  public boolean isFull() {
    return size == records.length;
  }

  /** Empties the batch and drops its references so the records can be collected. */
  public void clear() {
    java.util.Arrays.fill(records, 0, size, null);
    if (keys != null) {
      java.util.Arrays.fill(keys, 0, size, null);
    }
    size = 0;
    stampNanos = NO_STAMP;
  }
}
