package dev.sluice.core.runtime;

/**
 * An operator's share of the {@link MemoryBudget}: it grows as records are added (by a sampled
 * per-record estimate) and is released in one go when the operator spills or ends. Used by one
 * thread.
 */
final class Reservation {
  private static final long MAX_STEP = 256 * 1024;
  private final long step;
  private static final int SAMPLE_EVERY = 32;
  private final MemoryBudget budget;
  private final long overheadPerRecord;
  private long reserved;
  private long pending;
  private long avg = -1;
  private int count;

  Reservation(MemoryBudget budget, long overheadPerRecord) {
    this.budget = budget;
    this.overheadPerRecord = overheadPerRecord;
    // Reserve in steps to keep the shared counter cold; small budgets (tests) get small steps.
    this.step = Math.max(1024, Math.min(MAX_STEP, budget.limit() / 16));
  }

  /**
   * Accounts for one more record; returns false when the budget is exhausted and the caller should
   * spill (its memory is then released with {@link #releaseAll}).
   */
  boolean add(Object record) {
    return add(record, null);
  }

  /** Accounts for one more entry made of two objects (a key and its accumulator). */
  boolean add(Object a, Object b) {
    if (avg < 0 || (count++ % SAMPLE_EVERY) == 0) {
      long est = SizeEstimator.estimate(a) + SizeEstimator.estimate(b) + overheadPerRecord;
      avg = avg < 0 ? est : (avg * 7 + est) / 8;
    }
    pending += avg;
    if (pending < step) {
      return true;
    }
    long want = pending;
    if (budget.tryReserve(want)) {
      reserved += want;
      pending = 0;
      return true;
    }
    return false;
  }

  /** Bytes reserved so far (excluding the not yet reserved remainder). */
  long reserved() {
    return reserved + pending;
  }

  /** Moves what this reservation holds to the caller, e.g. when data is handed to an exchange. */
  long transfer() {
    budget.forceReserve(pending);
    long all = reserved + pending;
    reserved = 0;
    pending = 0;
    return all;
  }

  void releaseAll() {
    budget.release(reserved);
    reserved = 0;
    pending = 0;
  }
}
