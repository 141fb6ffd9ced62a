package dev.sluice.core.plan;

/** How records cross from one stage to the next. */
public enum ExchangeKind {
  /** By hash of the key; the records are {@code KV(key, value)}. */
  HASH,
  /** By sampled key ranges, for a total order; the records are the plain records. */
  RANGE,
  /** Round-robin over the consumer's partitions. */
  REBALANCE
}
