package dev.sluice.core.stream.channel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

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
 * <p>Consumer wake-ups (only on a channel created with {@code signalConsumer}, used by sink
 * threads that are idle most of the time): instead of polling with backoff, the consumer may block
 * in {@link #awaitItem} until the producer signals. The consumer stores itself in the volatile
 * {@code waiter}, then re-reads the producer cursor (and its stop condition) and parks; the producer
 * publishes the cursor with a volatile store, then reads {@code waiter} and unparks it if set. Both
 * sides store, then load the other side's variable with volatile accesses (a Dekker pair: the Java
 * memory model orders them totally, which is the StoreLoad fence a release store alone lacks), so at
 * least one of them sees the other: either the consumer sees the item and does not park, or the
 * producer sees the waiter and unparks it. A stale unpark only makes a later park return early. The
 * producer's extra cost is that volatile store (instead of a release store) and one volatile read
 * per item; channels without {@code signalConsumer} keep the release store and pay nothing.
 *
 * <p>Thread-safety: exactly one producer thread calls {@link #offer} and {@link #obtain}; exactly
 * one consumer thread calls {@link #poll}, {@link #recycle} and {@link #awaitItem}; the counters may
 * be read, and {@link #wakeConsumer} called, by anyone.
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
  private final boolean signalConsumer;
  /** The consumer thread while it is in {@link #awaitItem}, else null. */
  private volatile Thread waiter;
  private long cachedHead;

  /**
   * A channel whose consumer polls (no wake-ups, see {@link #Channel(int, int, boolean, boolean)}).
   *
   * @param capacity batches (and control items) the ring holds, rounded up to a power of two
   * @param batchSize records per batch
   * @param keyed whether batches carry keys (hash exchanges)
   */
  public Channel(int capacity, int batchSize, boolean keyed) {
    this(capacity, batchSize, keyed, false);
  }

  /**
   * @param capacity batches (and control items) the ring holds, rounded up to a power of two
   * @param batchSize records per batch
   * @param keyed whether batches carry keys (hash exchanges)
   * @param signalConsumer whether {@link #offer} signals a consumer blocked in {@link #awaitItem}
   */
  public Channel(int capacity, int batchSize, boolean keyed, boolean signalConsumer) {
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
    this.signalConsumer = signalConsumer;
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
    if (signalConsumer) {
      tail.set(t + 1); // volatile: ordered before the read of waiter (see the class note)
      wakeConsumer();
    } else {
      tail.lazySet(t + 1);
    }
    return true;
  }

  /**
   * Consumer: blocks until an item may be there, {@code stop} is true, {@link #wakeConsumer} is
   * called, or {@code timeoutNanos} passed; returns at once if the ring is not empty. It may also
   * return early for no reason (a stale signal), so call it in a loop around {@link #poll}. Another
   * thread that makes {@code stop} true must set it with a volatile write and then call
   * {@link #wakeConsumer}.
   *
   * @throws IllegalStateException if the channel was created without {@code signalConsumer}, as
   *     the producer would not signal and the consumer would notice items only at the timeout
   */
  public void awaitItem(long timeoutNanos, BooleanSupplier stop) {
    if (!signalConsumer) {
      throw new IllegalStateException("awaitItem needs a channel created with signalConsumer = true");
    }
    waiter = Thread.currentThread(); // volatile: ordered before the reads of tail and stop below
    try {
      if (head.get() >= tail.get() && !stop.getAsBoolean()) {
        LockSupport.parkNanos(this, timeoutNanos);
      }
    } finally {
      waiter = null;
    }
  }

  /** Unparks the consumer if it is blocked in {@link #awaitItem}; any thread. */
  public void wakeConsumer() {
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
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
