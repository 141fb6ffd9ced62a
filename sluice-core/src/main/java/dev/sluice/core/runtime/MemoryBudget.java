package dev.sluice.core.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one memory budget of a job, shared by aggregation tables, sort buffers, join build sides and
 * exchange buffers. Thread-safe.
 *
 * <p>Operators reserve an estimate of what they hold ({@link #tryReserve}); when a reservation fails
 * the budget first asks {@link Reclaimable} holders of finished data (exchange outputs waiting to be
 * read) to write it to disk, and if that does not free enough, the caller spills its own state. The
 * accounting is an estimate (see {@link SizeEstimator}), which is why the default budget is well
 * below the heap.
 */
final class MemoryBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final List<Reclaimable> reclaimables = new CopyOnWriteArrayList<>();

  /** Something that can give memory back on request by spilling finished data. */
  interface Reclaimable {
    /** Spills until about {@code bytes} were released, or nothing is left to spill; returns bytes released. */
    long reclaim(long bytes);
  }

  MemoryBudget(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("memory budget must be positive, was " + limit);
    }
    this.limit = limit;
  }

  long limit() {
    return limit;
  }

  long used() {
    return used.get();
  }

  long peak() {
    return peak.get();
  }

  void register(Reclaimable r) {
    reclaimables.add(r);
  }

  void unregister(Reclaimable r) {
    reclaimables.remove(r);
  }

  /** Reserves {@code bytes} if they fit, reclaiming finished data first if needed. */
  boolean tryReserve(long bytes) {
    if (reserveIfFits(bytes)) {
      return true;
    }
    for (Reclaimable r : reclaimables) {
      r.reclaim(bytes);
      if (reserveIfFits(bytes)) {
        return true;
      }
    }
    return false;
  }

  /** Reserves without checking the limit: for the one record an operator must hold to make progress. */
  void forceReserve(long bytes) {
    peak.accumulateAndGet(used.addAndGet(bytes), Math::max);
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  private boolean reserveIfFits(long bytes) {
    while (true) {
      long u = used.get();
      if (u + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(u, u + bytes)) {
        peak.accumulateAndGet(u + bytes, Math::max);
        return true;
      }
    }
  }
}
