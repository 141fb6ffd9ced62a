package dev.sluice.core.plan;

/** How records cross from one stage to the next. */
public enum ExchangeKind {
  /**
   * By hash of the key; the records are {@code KV(key, value)}. The streaming runtime routes by key
   * group ({@link dev.sluice.core.stream.KeyGroups}), so keyed state can move between parallelisms.
   */
  HASH,
  /** By sampled key ranges, for a total order; the records are the plain records. */
  RANGE,
  /** Round-robin over the consumer's partitions. */
  REBALANCE,
  /** Every record to every consumer task (streaming only: the table side of {@code enrich}). */
  BROADCAST
}
