package dev.sluice.core.plan;

import dev.sluice.api.Aggregation;
import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.SerializableComparator;

/**
 * An edge between two stages.
 *
 * @param id index in {@link PhysicalPlan#exchanges()}
 * @param kind how records are routed
 * @param from the transform whose output enters the exchange (in the producer stage)
 * @param to the transform that reads it (in the consumer stage)
 * @param toInput which input of {@code to} this is (0 = left/first, 1 = right of a join)
 * @param key for HASH: the key selector applied to the records of {@code from}
 * @param combiner for HASH in front of a combinable aggregation: the aggregation applied map-side, so the
 *     exchange carries {@code KV(key, partialAccumulator)}; null otherwise
 * @param comparator for RANGE: the sort order
 */
public record ExchangeSpec(
    int id,
    ExchangeKind kind,
    int producerStage,
    int consumerStage,
    int from,
    int to,
    int toInput,
    KeySelector<?, ?> key,
    Aggregation<?, ?, ?> combiner,
    SerializableComparator<?> comparator) {

  public boolean combined() {
    return combiner != null;
  }

  String describe(boolean keyGroups) {
    return switch (kind) {
      case HASH -> (keyGroups ? "hash(key groups)" : "hash(key)")
          + (combined() ? " after combine(" + combiner.name() + ")" : "");
      case RANGE -> keyGroups ? "all to one partition (streaming sort)" : "range(sampled)";
      case REBALANCE -> "rebalance";
      case BROADCAST -> "broadcast";
    };
  }
}
