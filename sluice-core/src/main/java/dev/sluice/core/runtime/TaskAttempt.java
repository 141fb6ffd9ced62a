package dev.sluice.core.runtime;

import dev.sluice.api.function.Collector;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.plan.ExchangeSpec;
import dev.sluice.core.plan.PhysicalPlan;
import dev.sluice.core.plan.StageSpec;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one task: builds the stage's fused chain of nodes, drives it from a source split or
 * from the input exchanges' partition, finishes the nodes in topological order, and on success hands
 * its sink committables and exchange output over. On failure everything it staged is discarded.
 */
final class TaskAttempt implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskAttempt.class);

  final JobExecution job;
  final StageSpec stage;
  final int index;
  final int attempt;
  final JobExecution.SplitRef split;

  /** Nodes in finishing order. */
  final List<Node> nodes = new ArrayList<>();
  final List<SinkNode> sinks = new ArrayList<>();
  final List<Exchange.Writer> writers = new ArrayList<>();
  long skipped;
  long deadLettered;
  long bytesCounted;
  volatile String position = "before the first record";

  TaskAttempt(JobExecution job, StageSpec stage, int index, int attempt, JobExecution.SplitRef split) {
    this.job = job;
    this.stage = stage;
    this.index = index;
    this.attempt = attempt;
    this.split = split;
  }

  @Override
  public void run() {
    Throwable error = null;
    try {
      build();
      if (split != null) {
        readSplit();
      } else {
        readExchanges();
      }
      if (job.cancelled()) {
        throw new java.util.concurrent.CancellationException("job is being cancelled");
      }
      for (Node n : nodes) {
        n.finish();
      }
      for (SinkNode s : sinks) {
        s.prepareCommit();
      }
      for (Exchange.Writer w : writers) {
        w.publish();
      }
      for (Node n : nodes) {
        n.close();
      }
    } catch (Throwable t) {
      error = t;
      // Sinks too: a writer may have been opened before a later node failed to build.
      java.util.Set<Node> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      all.addAll(nodes);
      all.addAll(sinks);
      all.addAll(writers);
      for (Node n : all) {
        try {
          n.abort();
        } catch (RuntimeException e) {
          t.addSuppressed(e);
        }
      }
    }
    job.taskEnded(this, error);
  }

  private void build() throws Exception {
    PhysicalPlan plan = job.plan;
    Node[] byId = new Node[plan.logical().transforms().size()];
    for (int id : stage.transforms()) {
      Node n = create(plan.transform(id));
      byId[id] = n;
    }
    for (int id : stage.transforms()) {
      nodes.add(byId[id]);
      List<Collector<Object>> targets = new ArrayList<>();
      for (int c : stage.transforms()) {
        Transform consumer = plan.transform(c);
        if (consumer.op() instanceof Op.DeadLetters) {
          continue;
        }
        List<Integer> inputs = consumer.inputs();
        for (int k = 0; k < inputs.size(); k++) {
          if (inputs.get(k) == id && plan.exchangeInto(id, c, k) == null) {
            targets.add(byId[c].input(k));
          }
        }
      }
      for (ExchangeSpec e : plan.exchangesFrom(id)) {
        Exchange.Writer w = job.exchanges[e.id()].writer(index);
        writers.add(w);
        if (e.combined()) {
          Node combine = new AggregateNodes.Combine(e.to(), plan.transform(e.to()).name(), e.key(), e.combiner(), job.resources);
          combine.down = w;
          nodes.add(combine);
          targets.add(combine);
        } else {
          targets.add(w);
        }
      }
      byId[id].down = fanOut(targets);
    }
  }

  @SuppressWarnings("unchecked")
  private static Collector<Object> fanOut(List<Collector<Object>> targets) {
    if (targets.isEmpty()) {
      return r -> {};
    }
    if (targets.size() == 1) {
      return targets.get(0);
    }
    return new FanOut(targets.toArray(new Collector[0]));
  }

  @SuppressWarnings("unchecked")
  private Node create(Transform t) throws Exception {
    Node common = ChainNodes.common(t, job.resources);
    if (common != null) {
      return common;
    }
    Op op = t.op();
    int id = t.id();
    String name = t.name();
    if (op instanceof Op.Aggregate a) {
      return ChainNodes.aggregate(t, a, job.plan, job.resources, false);
    } else if (op instanceof Op.Join j) {
      return new JoinNode(id, name, j.type(), job.resources);
    } else if (op instanceof Op.Write w) {
      SinkWriter<Object> writer = ((dev.sluice.api.sink.Sink<Object>) w.sink())
          .writer(new WriterContext(index, job.taskCount(stage), attempt));
      SinkNode node = new SinkNode(id, name, writer);
      sinks.add(node);
      return node;
    }
    return new StatelessNodes.Pass(id, name);
  }

  private Node node(int transformId) {
    for (Node n : nodes) {
      if (n.transformId == transformId && !(n instanceof AggregateNodes.Combine) && !(n instanceof Exchange.Writer)) {
        return n;
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private void readSplit() throws Exception {
    Source<Object> source = (Source<Object>) ((Op.Read) job.plan.transform(split.transform()).op()).source();
    Node readNode = node(split.transform());
    Node deadLetters = null;
    for (int id : stage.transforms()) {
      Transform t = job.plan.transform(id);
      if (t.op() instanceof Op.DeadLetters && t.inputs().get(0) == split.transform()) {
        deadLetters = node(id);
      }
    }
    Context ctx = new Context(source, deadLetters);
    try (SplitReader<Object> reader = source.reader(split.split(), ctx)) {
      ctx.reader = reader;
      boolean more = true;
      while (more && !job.cancelled()) {
        more = reader.read(readNode);
        long b = reader.bytesRead();
        if (b > bytesCounted) {
          job.bytesRead.addAndGet(b - bytesCounted);
          bytesCounted = b;
        }
      }
      position = reader.position();
    } catch (Throwable t) {
      if (ctx.reader != null && !(t instanceof BadRecordException)) {
        try {
          position = ctx.reader.position();
        } catch (RuntimeException ignored) {
          // Keep the last known position.
        }
      }
      throw t;
    } finally {
      skipped = ctx.skipped;
      deadLettered = ctx.deadLettered;
    }
    if (skipped > 0) {
      LOG.warn("{}: skipped {} bad record(s) in split {}", source.name(), skipped, split.split().id());
    }
  }

  private void readExchanges() {
    List<ExchangeSpec> inputs = new ArrayList<>();
    for (int e : stage.inputs()) {
      inputs.add(job.plan.exchanges().get(e));
    }
    // Build sides (input 1 of a join) are read completely before probe sides.
    inputs.sort((a, b) -> Integer.compare(b.toInput(), a.toInput()));
    for (ExchangeSpec e : inputs) {
      Node target = node(e.to());
      Tracker tracker = new Tracker(target.input(e.toInput()), e);
      try {
        job.exchanges[e.id()].read(index, tracker, job::cancelled);
      } finally {
        position = tracker.describe(index);
      }
    }
  }

  /** Counts the records read from an exchange and remembers the last one, for error messages. */
  private static final class Tracker implements Collector<Object> {
    private final Collector<Object> target;
    private final ExchangeSpec spec;
    private long count;
    private Object last;

    Tracker(Collector<Object> target, ExchangeSpec spec) {
      this.target = target;
      this.spec = spec;
    }

    @Override
    public void collect(Object record) {
      count++;
      last = record;
      target.collect(record);
    }

    String describe(int partition) {
      if (count == 0) {
        return "partition " + partition + " of exchange " + spec.id() + ", before the first record";
      }
      return "record " + count + " of partition " + partition + " of exchange " + spec.id() + " ("
          + JobExecution.abbreviate(String.valueOf(last)) + ")";
    }
  }

  /** The runtime side of a source: applies the bad-record policy, remembering where a bad record fails the task. */
  private final class Context extends RuntimeSourceContext {
    Context(Source<?> source, Node deadLetters) {
      super(source, index, attempt, deadLetters, LOG);
    }

    @Override
    void failing(String where) {
      position = where;
    }
  }
}
