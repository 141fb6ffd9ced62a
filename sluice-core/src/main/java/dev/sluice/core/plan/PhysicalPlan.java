package dev.sluice.core.plan;

import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import java.util.ArrayList;
import java.util.List;

/**
 * The executable form of a pipeline: stages of fused transforms and the exchanges between them.
 * Immutable; produced by {@link Planner#plan}.
 *
 * @param logical the plan it was made from (transforms are referenced by id)
 * @param live ids of the transforms that contribute to an output, in topological order
 * @param stageOf for each transform id, its stage id, or -1 when it is not live
 * @param streaming planned for the pipelined streaming runtime (all stages at once, channels, HASH by key group)
 */
public record PhysicalPlan(
    LogicalPlan logical, List<StageSpec> stages, List<ExchangeSpec> exchanges, List<Integer> live, int[] stageOf,
    boolean streaming) {

  /** A batch plan. */
  public PhysicalPlan(
      LogicalPlan logical, List<StageSpec> stages, List<ExchangeSpec> exchanges, List<Integer> live, int[] stageOf) {
    this(logical, stages, exchanges, live, stageOf, false);
  }

  public Transform transform(int id) {
    return logical.transform(id);
  }

  /** The exchange from transform {@code from} into input {@code input} of transform {@code to}, or null (a chained edge). */
  public ExchangeSpec exchangeInto(int from, int to, int input) {
    for (ExchangeSpec e : exchanges) {
      if (e.from() == from && e.to() == to && e.toInput() == input) {
        return e;
      }
    }
    return null;
  }

  /** Exchanges whose records come from transform {@code id}. */
  public List<ExchangeSpec> exchangesFrom(int id) {
    List<ExchangeSpec> out = new ArrayList<>();
    for (ExchangeSpec e : exchanges) {
      if (e.from() == id) {
        out.add(e);
      }
    }
    return out;
  }

  /** The plan as text, like Spark's {@code explain}: stages, their chains, exchanges and parallelism. */
  public String explain() {
    StringBuilder sb = new StringBuilder();
    sb.append("Job '").append(logical.name()).append("': ").append(stages.size()).append(" stage")
        .append(stages.size() == 1 ? "" : "s").append(", ").append(exchanges.size()).append(" exchange")
        .append(exchanges.size() == 1 ? "" : "s").append('\n');
    sb.append("Mode: ").append(streaming
        ? "streaming (all stages at once, bounded channels, hash exchanges by key group)"
        : "batch (stages run when their inputs are complete)").append('\n');
    for (StageSpec s : stages) {
      sb.append("Stage ").append(s.id()).append(" (parallelism ").append(s.parallelism());
      sb.append(s.sourceDriven() ? ", one task per source split" : ", one task per partition").append(")\n");
      for (int in : s.inputs()) {
        ExchangeSpec e = exchanges.get(in);
        sb.append("  <- exchange ").append(e.id()).append(' ').append(e.describe(streaming)).append(" from stage ")
            .append(e.producerStage()).append(e.toInput() == 1 ? " (right side)" : "").append('\n');
      }
      for (int id : s.transforms()) {
        Transform t = logical.transform(id);
        sb.append("  ").append(label(t));
        List<String> feeds = new ArrayList<>();
        for (int other : s.transforms()) {
          if (logical.transform(other).inputs().contains(id)) {
            feeds.add("#" + other);
          }
        }
        for (ExchangeSpec e : exchangesFrom(id)) {
          feeds.add("exchange " + e.id());
        }
        if (!feeds.isEmpty()) {
          sb.append(" -> ").append(String.join(", ", feeds));
        }
        sb.append('\n');
      }
      for (int out : s.outputs()) {
        ExchangeSpec e = exchanges.get(out);
        sb.append("  -> exchange ").append(e.id()).append(' ').append(e.describe(streaming)).append(" to stage ")
            .append(e.consumerStage()).append(" (").append(stages.get(e.consumerStage()).parallelism())
            .append(" partitions)\n");
      }
    }
    return sb.toString();
  }

  private static String label(Transform t) {
    String label = t.op().label();
    String name = t.name();
    boolean sameName = label.equals(name) || label.startsWith(name + "(") || t.op() instanceof Op.Read
        || t.op() instanceof Op.Write;
    return "#" + t.id() + " " + label + (sameName ? "" : " '" + name + "'");
  }
}
