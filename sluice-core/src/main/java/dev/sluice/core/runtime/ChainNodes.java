package dev.sluice.core.runtime;

import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.core.plan.ExchangeSpec;
import dev.sluice.core.plan.PhysicalPlan;
import java.util.Comparator;

/**
 * The chain nodes that the batch ({@link TaskAttempt}) and the streaming ({@link StreamTask}) runtime
 * build alike from a transform's op: the stateless ones, sort, and the final side of an aggregation.
 * Reads, joins, sinks and the streaming-only ops stay with their runtime.
 */
final class ChainNodes {
  private ChainNodes() {}

  /**
   * The node of a Map, Filter, FlatMap or Sort transform, or {@code null} when {@code t}'s op is
   * none of those.
   */
  @SuppressWarnings("unchecked")
  static Node common(Transform t, JobResources resources) {
    Op op = t.op();
    int id = t.id();
    String name = t.name();
    if (op instanceof Op.Map m) {
      return new StatelessNodes.Map(id, name, m.fn());
    } else if (op instanceof Op.Filter f) {
      return new StatelessNodes.Filter(id, name, f.fn());
    } else if (op instanceof Op.FlatMap f) {
      return new StatelessNodes.FlatMap(id, name, f.fn());
    } else if (op instanceof Op.Sort s) {
      return new SortNode(id, name, (Comparator<Object>) s.comparator(), resources);
    }
    return null;
  }

  /** The final node of aggregate transform {@code t}; it is fed partial accumulators when a map-side combine is planned into it. */
  static AggregateNodes.Final aggregate(Transform t, Op.Aggregate a, PhysicalPlan plan, JobResources resources,
                                        boolean checkpointed) {
    boolean combined = false;
    for (ExchangeSpec e : plan.exchanges()) {
      combined |= e.to() == t.id() && e.combined();
    }
    return new AggregateNodes.Final(t.id(), t.name(), a.aggregation(), combined, resources, checkpointed);
  }
}
