package dev.sluice.core.stream.channel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded single-producer single-consumer channel of {@link Batch}es and {@link Control} items
 * between two tasks (or a task and an I/O thread), with a return path that recycles emptied batches
 * to the producer.
 *
 * <p>Design note. A ring of {@code capacity} slots (a power of two) with a producer cursor and a
 * consumer cursor, published with release stores (Agrona's {@code OneToOneConcurrentArrayQueue}
 * idea): no locks, no allocation per item. {@link #offer} returns false when the ring is full; the
 * caller keeps the item and tries again later, which is how backpressure reaches the producer. The
 * number of records buffered (in batches sitting in the ring) is tracked per batch, not per record,
 * for metrics and tests; it can never exceed {@code capacity * batchSize}.
 *
 * <p>Thread-safety: exactly one producer thread calls {@link #offer} and {@link #obtain}; exactly
 * one consumer thread calls {@link #poll} and {@link #recycle}; the counters may be read by anyone.
 */
public final class Channel {
  private final Object[] ring;
  private final int mask;
  private final int batchSize;
  private final boolean keyed;
  private final AtomicLong head = new AtomicLong();
  private final AtomicLong tail = new AtomicLong();
  private final AtomicLong buffered = new AtomicLong();
  private final AtomicLong maxBuffered = new AtomicLong();
  private final Batch[] free;
  private final AtomicLongArray freeCursors = new AtomicLongArray(16); // [0] = free head, [8] = free tail
  private long cachedHead;

  /**
   * @param capacity batches (and control items) the ring holds, rounded up to a power of two
   * @param batchSize records per batch
   * @param keyed whether batches carry keys (hash exchanges)
   */
  public Channel(int capacity, int batchSize, boolean keyed) {
    if (capacity < 1) {
      throw new IllegalArgumentException("channel capacity must be positive, was " + capacity);
    }
    int c = 1;
    while (c < capacity) {
      c <<= 1;
    }
    ring = new Object[c];
    mask = c - 1;
    int f = 1;
    while (f < c + 2) {
      f <<= 1;
    }
    free = new Batch[f];
    this.batchSize = batchSize;
    this.keyed = keyed;
  }

  public int capacity() {
    return ring.length;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Records the ring can hold at most: {@code capacity() * batchSize()}. */
  public long recordCapacity() {
    return (long) ring.length * batchSize;
  }

  /** Records currently in batches in the ring. */
  public long bufferedRecords() {
    return buffered.get();
  }

  /** The largest {@link #bufferedRecords()} ever seen. */
  public long maxBufferedRecords() {
    return maxBuffered.get();
  }

  /** Items (batches and controls) in the ring now. */
  public int size() {
    return (int) (tail.get() - head.get());
  }

  /** Producer: an empty batch, recycled if one came back, else new. */
  public Batch obtain() {
    long h = freeCursors.get(0);
    if (h < freeCursors.get(8)) {
      int i = (int) (h & (free.length - 1));
      Batch b = free[i];
      free[i] = null;
      freeCursors.lazySet(0, h + 1);
      return b;
    }
    return new Batch(batchSize, keyed);
  }

  /** Producer: adds a batch or control; false when full (keep it and try again later). */
  public boolean offer(Object item) {
    long t = tail.get();
    if (t - cachedHead >= ring.length) {
      cachedHead = head.get();
      if (t - cachedHead >= ring.length) {
        return false;
      }
    }
    if (item instanceof Batch b) {
      long now = buffered.addAndGet(b.size);
      if (now > maxBuffered.get()) {
        maxBuffered.set(now);
      }
    }
    ring[(int) (t & mask)] = item;
    tail.lazySet(t + 1);
    return true;
  }

  /** Consumer: the next item, or null when the ring is empty. */
  public Object poll() {
    long h = head.get();
    if (h >= tail.get()) {
      return null;
    }
    int i = (int) (h & mask);
    Object item = ring[i];
    ring[i] = null;
    if (item instanceof Batch b) {
      buffered.addAndGet(-b.size);
    }
    head.lazySet(h + 1);
    return item;
  }

  /** Whether the consumer would find an item now. */
  public boolean isEmpty() {
    return head.get() >= tail.get();
  }

  /** Consumer: hands an emptied batch back to the producer (dropped if the return path is full). */
  public void recycle(Batch b) {
    b.clear();
    long t = freeCursors.get(8);
    if (t - freeCursors.get(0) >= free.length) {
      return;
    }
    free[(int) (t & (free.length - 1))] = b;
    freeCursors.lazySet(8, t + 1);
  }
}
