package dev.sluice.core.plan;

import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.source.BadRecordPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a logical plan into a physical plan. A pure function: it reads the logical plan and never
 * changes it.
 *
 * <p>Design: every input edge of a transform is either FORWARD (same task, plain method call) or an
 * exchange. Exchanges appear only where an operator needs co-partitioned or ordered input
 * (aggregate, join: hash; sort: range), where the user asked for one (rebalance), where the
 * parallelism changes, and where a union mixes source-driven and exchange-driven inputs (a task is
 * driven either by source splits or by exchange partitions, never both). Transforms connected by
 * FORWARD edges form one stage, as long as merging never makes a stage depend on itself. In front of
 * a hash exchange into a combinable aggregation the aggregation also runs map-side (combine), so the
 * exchange carries one partial result per key and task instead of every record.
 */
public final class Planner {
  private Planner() {}

  /** A batch plan. */
  public static PhysicalPlan plan(LogicalPlan logical, int defaultParallelism) {
    return plan(logical, defaultParallelism, false);
  }

  /**
   * Plans for the batch runtime or, with {@code streaming}, for the pipelined streaming runtime. The
   * shapes are the same; a streaming plan additionally allows unbounded sources and the streaming-only
   * operators (see {@link #streamingOnly}), and its hash exchanges route by key group.
   */
  public static PhysicalPlan plan(LogicalPlan logical, int defaultParallelism, boolean streaming) {
    if (defaultParallelism < 1) {
      throw new IllegalArgumentException("parallelism must be positive, was " + defaultParallelism);
    }
    List<Transform> ts = logical.transforms();
    int n = ts.size();
    boolean[] live = liveTransforms(logical);
    validate(logical, live, streaming);

    int[] parallelism = new int[n];
    boolean[] sourceDriven = new boolean[n];
    ExchangeKind[][] edge = new ExchangeKind[n][];
    Builder[] stageOf = new Builder[n];
    List<Builder> builders = new ArrayList<>();
    List<PendingExchange> pending = new ArrayList<>();

    for (Transform t : ts) {
      int id = t.id();
      if (!live[id]) {
        continue;
      }
      List<Integer> in = t.inputs();
      edge[id] = new ExchangeKind[in.size()];
      int p;
      Op op = t.op();
      if (op instanceof Op.Read) {
        p = t.parallelism() > 0 ? t.parallelism() : defaultParallelism;
        sourceDriven[id] = true;
      } else if (op instanceof Op.Aggregate || op instanceof Op.Sort || op instanceof Op.Rebalance
          || op instanceof Op.Window || op instanceof Op.KeyedProcess) {
        p = t.parallelism() > 0 ? t.parallelism() : defaultParallelism;
        if (streaming && op instanceof Op.Sort) {
          // Range boundaries need the whole input sampled first; a streaming sort (bounded input, output
          // at its end) gathers everything in one partition instead.
          p = 1;
        }
        edge[id][0] = op instanceof Op.Aggregate || op instanceof Op.Window || op instanceof Op.KeyedProcess
            ? ExchangeKind.HASH
            : op instanceof Op.Sort ? ExchangeKind.RANGE : ExchangeKind.REBALANCE;
      } else if (op instanceof Op.Enrich) {
        // The stream stays where it is; every task gets the whole table.
        int i = in.get(0);
        p = parallelism[i];
        sourceDriven[id] = sourceDriven[i];
        edge[id][1] = ExchangeKind.BROADCAST;
      } else if (op instanceof Op.Join || op instanceof Op.WindowJoin || op instanceof Op.IntervalJoin) {
        p = t.parallelism() > 0 ? t.parallelism() : defaultParallelism;
        edge[id][0] = ExchangeKind.HASH;
        edge[id][1] = ExchangeKind.HASH;
      } else if (op instanceof Op.Union) {
        int max = 0;
        boolean anyExchangeDriven = false;
        for (int i : in) {
          max = Math.max(max, parallelism[i]);
          anyExchangeDriven |= !sourceDriven[i];
        }
        p = t.parallelism() > 0 ? t.parallelism() : max;
        boolean allSource = true;
        for (int k = 0; k < in.size(); k++) {
          int i = in.get(k);
          boolean mismatch = parallelism[i] != p && !(sourceDriven[i] && !anyExchangeDriven);
          if (mismatch || (anyExchangeDriven && sourceDriven[i])) {
            edge[id][k] = ExchangeKind.REBALANCE;
            allSource = false;
          } else {
            allSource &= sourceDriven[i];
          }
        }
        sourceDriven[id] = allSource;
      } else {
        int i = in.get(0);
        if (t.parallelism() > 0 && t.parallelism() != parallelism[i]) {
          p = t.parallelism();
          edge[id][0] = ExchangeKind.REBALANCE;
        } else {
          p = parallelism[i];
          sourceDriven[id] = sourceDriven[i];
        }
      }
      parallelism[id] = p;

      // Forward inputs' stages: join one of them, merging where that creates no cycle.
      Builder home = null;
      for (int k = 0; k < in.size(); k++) {
        if (edge[id][k] != null) {
          continue;
        }
        Builder s = stageOf[in.get(k)];
        if (home == null || home == s) {
          home = s;
        } else if (!dependsOn(home, s, pending, stageOf) && !dependsOn(s, home, pending, stageOf)) {
          home = merge(home, s, stageOf, builders);
        } else {
          edge[id][k] = ExchangeKind.REBALANCE;
        }
      }
      if (home == null) {
        home = new Builder();
        builders.add(home);
      }
      home.transforms.add(id);
      home.parallelism = Math.max(home.parallelism, p);
      stageOf[id] = home;
      if (t.op() instanceof Op.Read) {
        home.sources.add(id);
      }
      for (int k = 0; k < in.size(); k++) {
        if (edge[id][k] != null) {
          pending.add(new PendingExchange(edge[id][k], in.get(k), id, k));
        }
      }
    }

    List<Builder> ordered = topologicalStages(builders, pending, stageOf);
    int[] stageIds = new int[n];
    Arrays.fill(stageIds, -1);
    for (int s = 0; s < ordered.size(); s++) {
      ordered.get(s).id = s;
      for (int t : ordered.get(s).transforms) {
        stageIds[t] = s;
      }
    }
    List<ExchangeSpec> exchanges = new ArrayList<>();
    for (PendingExchange pe : pending) {
      Transform to = ts.get(pe.to);
      int from = stageIds[pe.from];
      int into = stageIds[pe.to];
      ExchangeSpec spec;
      if (to.op() instanceof Op.Aggregate a) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput, a.key(),
            a.aggregation().canCombine() ? a.aggregation() : null, null);
      } else if (to.op() instanceof Op.Window w) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput, w.key(), null, null);
      } else if (to.op() instanceof Op.KeyedProcess kp) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput, kp.key(), null, null);
      } else if (to.op() instanceof Op.WindowJoin j && pe.kind == ExchangeKind.HASH) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput,
            pe.toInput == 0 ? j.leftKey() : j.rightKey(), null, null);
      } else if (to.op() instanceof Op.IntervalJoin j && pe.kind == ExchangeKind.HASH) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput,
            pe.toInput == 0 ? j.leftKey() : j.rightKey(), null, null);
      } else if (pe.kind == ExchangeKind.BROADCAST) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput, null, null, null);
      } else if (to.op() instanceof Op.Join j) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput,
            pe.toInput == 0 ? j.leftKey() : j.rightKey(), null, null);
      } else if (to.op() instanceof Op.Sort s) {
        spec = new ExchangeSpec(exchanges.size(), pe.kind, from, into, pe.from, pe.to, pe.toInput, null, null,
            s.comparator());
      } else {
        spec = new ExchangeSpec(exchanges.size(), ExchangeKind.REBALANCE, from, into, pe.from, pe.to, pe.toInput,
            null, null, null);
      }
      exchanges.add(spec);
    }
    List<StageSpec> stages = new ArrayList<>();
    for (Builder b : ordered) {
      List<Integer> inputs = new ArrayList<>();
      List<Integer> outputs = new ArrayList<>();
      for (ExchangeSpec e : exchanges) {
        if (e.consumerStage() == b.id) {
          inputs.add(e.id());
        }
        if (e.producerStage() == b.id) {
          outputs.add(e.id());
        }
      }
      List<Integer> tids = new ArrayList<>(b.transforms);
      tids.sort(null);
      stages.add(new StageSpec(b.id, b.parallelism, tids, b.sources, inputs, outputs));
    }
    List<Integer> liveIds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (live[i]) {
        liveIds.add(i);
      }
    }
    return new PhysicalPlan(logical, stages, exchanges, liveIds, stageIds, streaming);
  }

  /** Transforms that contribute to some output (a Write); everything else is never run. */
  private static boolean[] liveTransforms(LogicalPlan logical) {
    List<Transform> ts = logical.transforms();
    boolean[] live = new boolean[ts.size()];
    Deque<Integer> todo = new ArrayDeque<>();
    for (Transform t : ts) {
      if (t.op() instanceof Op.Write) {
        todo.push(t.id());
      }
    }
    if (todo.isEmpty()) {
      throw new IllegalArgumentException("pipeline '" + logical.name()
          + "' has no output: add write(sink) to a dataset, or call collect()");
    }
    while (!todo.isEmpty()) {
      int id = todo.pop();
      if (!live[id]) {
        live[id] = true;
        ts.get(id).inputs().forEach(todo::push);
      }
    }
    return live;
  }

  /**
   * Whether {@code op} exists only in the streaming runtime (event time, windows, keyed state, stream
   * joins, side outputs). Pipelines using one run on the streaming runtime.
   */
  public static boolean streamingOnly(Op op) {
    return op instanceof Op.Timestamps || op instanceof Op.Window || op instanceof Op.KeyedProcess
        || op instanceof Op.Process || op instanceof Op.WindowJoin || op instanceof Op.IntervalJoin
        || op instanceof Op.Enrich || op instanceof Op.SideOutput;
  }

  private static void validate(LogicalPlan logical, boolean[] live, boolean streaming) {
    for (Transform t : logical.transforms()) {
      if (!live[t.id()]) {
        continue;
      }
      if (!streaming && streamingOnly(t.op())) {
        throw new IllegalArgumentException("transform " + t.name() + " (" + t.op().label()
            + ") needs the streaming runtime; plan the pipeline with streaming = true");
      }
      if (t.op() instanceof Op.Read r) {
        if (!streaming && !r.source().bounded()) {
          throw new IllegalArgumentException("source " + r.source().name()
              + " is unbounded; batch mode needs bounded sources: run with RunOptions.streaming()"
              + " (or RunOptions.defaults(), which picks streaming for unbounded sources)");
        }
        if (r.source().badRecordPolicy() == BadRecordPolicy.DEAD_LETTER) {
          boolean consumed = false;
          for (Transform c : logical.transforms()) {
            consumed |= live[c.id()] && c.op() instanceof Op.DeadLetters && c.inputs().contains(t.id());
          }
          if (!consumed) {
            throw new IllegalArgumentException("source " + r.source().name()
                + " routes bad records to DEAD_LETTER but its deadLetters() dataset is not written anywhere;"
                + " write it to a sink, or use the SKIP policy");
          }
        }
      }
      if (t.op() instanceof Op.Read r && r.source().reusesRecords()) {
        for (Transform c : logical.transforms()) {
          if (!live[c.id()] || !c.inputs().contains(t.id()) || c.op() instanceof Op.DeadLetters) {
            continue;
          }
          if (!(c.op() instanceof Op.Aggregate a && a.aggregation() != null && a.aggregation().canCombine())) {
            throw new IllegalArgumentException("source " + r.source().name() + " reuses its record objects,"
                + " so it can only feed keyed aggregations that combine (its records are not kept), but "
                + c.name() + " (#" + c.id() + ") reads it; drop reusingRecords(), or aggregate first");
          }
        }
      }
      if (t.op() instanceof Op.Aggregate a && a.aggregation() == null) {
        throw new IllegalArgumentException("aggregation of transform " + t.name() + " is null");
      }
    }
  }

  private static Builder merge(Builder a, Builder b, Builder[] stageOf, List<Builder> builders) {
    for (int t : b.transforms) {
      stageOf[t] = a;
    }
    a.transforms.addAll(b.transforms);
    a.sources.addAll(b.sources);
    a.parallelism = Math.max(a.parallelism, b.parallelism);
    builders.remove(b);
    return a;
  }

  /** Whether stage {@code a} (transitively) reads an exchange produced by stage {@code b}. */
  private static boolean dependsOn(Builder a, Builder b, List<PendingExchange> pending, Builder[] stageOf) {
    Deque<Builder> todo = new ArrayDeque<>();
    Set<Builder> seen = new LinkedHashSet<>();
    todo.push(a);
    while (!todo.isEmpty()) {
      Builder s = todo.pop();
      if (!seen.add(s)) {
        continue;
      }
      for (PendingExchange e : pending) {
        if (stageOf[e.to] == s) {
          Builder producer = stageOf[e.from];
          if (producer == b) {
            return true;
          }
          todo.push(producer);
        }
      }
    }
    return false;
  }

  private static List<Builder> topologicalStages(List<Builder> builders, List<PendingExchange> pending, Builder[] stageOf) {
    List<Builder> ordered = new ArrayList<>();
    Set<Builder> done = new LinkedHashSet<>();
    // Builders were created in transform order, so sorting by smallest transform id gives a stable order.
    List<Builder> remaining = new ArrayList<>(builders);
    remaining.sort((x, y) -> Integer.compare(x.transforms.get(0), y.transforms.get(0)));
    while (!remaining.isEmpty()) {
      Builder next = null;
      for (Builder b : remaining) {
        boolean ready = true;
        for (PendingExchange e : pending) {
          if (stageOf[e.to] == b && !done.contains(stageOf[e.from])) {
            ready = false;
            break;
          }
        }
        if (ready) {
          next = b;
          break;
        }
      }
      if (next == null) {
        throw new IllegalStateException("planner produced a cycle between stages; this is a bug");
      }
      remaining.remove(next);
      done.add(next);
      ordered.add(next);
    }
    return ordered;
  }

  private static final class Builder {
    final List<Integer> transforms = new ArrayList<>();
    final List<Integer> sources = new ArrayList<>();
    int parallelism;
    int id = -1;
  }

  private record PendingExchange(ExchangeKind kind, int from, int to, int toInput) {}
}
