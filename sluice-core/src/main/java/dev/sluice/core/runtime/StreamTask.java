package dev.sluice.core.runtime;

import dev.sluice.api.KV;
import dev.sluice.api.function.Collector;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SplitReader;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.core.plan.ExchangeKind;
import dev.sluice.core.plan.ExchangeSpec;
import dev.sluice.core.plan.PhysicalPlan;
import dev.sluice.core.plan.StageSpec;
import dev.sluice.core.stream.StreamOperators;
import dev.sluice.core.stream.channel.Batch;
import dev.sluice.core.stream.channel.Channel;
import dev.sluice.core.stream.channel.Control;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task of the streaming runtime: a stage's fused chain for one source split or one partition,
 * driven cooperatively by a worker thread through {@link #doWork}.
 *
 * <p>Design note. A duty cycle (1) moves output that did not fit into full channels, (2) unless
 * still backpressured, fires due processing-time timers, reads one chunk from its (non-blocking)
 * source split and up to {@link #BATCHES_PER_CHANNEL} batches from each input channel, pushing each
 * record through the chain by plain method calls, (3) recomputes event time over the chain: every
 * chain vertex's watermark is the minimum over its live inputs (not idle, not ended), stream
 * operators get {@code processWatermark} when theirs advances and own what they forward, stateful
 * batch operators hold event time back until they finish, and vertices whose inputs all ended are
 * finished in topological order, (4) hands partly filled batches over so latency stays low. The task
 * is done when every vertex has finished and everything, end markers included, is in the channels.
 *
 * <p>Checkpoints. A source task takes checkpoint {@code n} when the coordinator has set
 * {@link #triggered} to {@code n} (between two reads of its split); a task with input channels when
 * barrier {@code n} has arrived on all of them: a channel that delivered the barrier is not read
 * again until the others have (alignment, for exactly once); an ended channel counts as delivered
 * (everything it carried is before the barrier). Then it snapshots its operators and the unread
 * rest of its split, hands the state to the coordinator, puts the barrier into every output and
 * reads on. A task that has finished acknowledges later checkpoints as finished.
 *
 * <p>Used by one worker thread at a time; never blocks.
 */
final class StreamTask {
  private static final int BATCHES_PER_CHANNEL = 8;

  final StreamExecution job;
  final StageSpec stage;
  final int index;
  final JobExecution.SplitRef split;
  final StreamNodes.Slot slot = new StreamNodes.Slot();
  /** Every node of the chain, for metrics and cleanup. */
  final List<Node> nodes = new ArrayList<>();
  private final List<Vertex> vertexList = new ArrayList<>();
  private final List<InputChannel> inputList = new ArrayList<>();
  private final List<StreamNodes.Out> outList = new ArrayList<>();
  private final List<StreamNodes.Operator> operatorList = new ArrayList<>();
  private final List<StreamNodes.Timestamps> timestampList = new ArrayList<>();
  /** Keyed aggregations: checkpointed with their table. */
  private final List<AggregateNodes.Final> finals = new ArrayList<>();
  /** Map-side combines: flushed into the exchange before a checkpoint barrier goes out. */
  private final List<AggregateNodes.Combine> combines = new ArrayList<>();
  private Vertex[] vertices;
  private InputChannel[] inputs;
  private StreamNodes.Out[] outs;
  private StreamNodes.Operator[] operators;
  private StreamNodes.Timestamps[] timestamps;
  private Vertex[] gates;
  /** Read node fed by this task's split (null for partition tasks). */
  Node readNode;
  private Node deadLetterNode;
  private SplitReader<Object> reader;
  private final boolean blockingSource;
  private boolean splitDone;
  /** The watermark a non-blocking reader declared with {@link SourceOutput#emitWatermark}. */
  private long splitWatermark = Long.MIN_VALUE;
  private boolean initialized;
  boolean finished;
  private int nextInput;
  final RuntimeSourceContext sourceContext;
  volatile String position = "before the first record";
  /** Index among the job's tasks (checkpoint bookkeeping). */
  int ordinal;
  /** The latest checkpoint the coordinator triggered (read by source tasks). */
  volatile long triggered;
  /** The latest complete checkpoint, for {@code notifyCheckpointComplete}. */
  volatile long completed;
  /** Micro-batch handshake of this task's split (null unless micro-batch mode with a source split). */
  MicroSplit micro;
  /** Finished, and counted as such by the coordinator. */
  volatile boolean done;
  private long notified;
  /** The checkpoint being aligned, 0 for none. */
  private long aligning;
  private long alignStart;
  private long lastSnapshot;
  /** Native files the operators staged at the current barrier ({@link NativeFiles}), copied on the I/O thread. */
  private final List<StreamCheckpoints.Staged> staged = new ArrayList<>();
  /** The unread rest of a blocking source's split, from the reader thread's barrier. */
  private dev.sluice.api.source.SourceSplit ioRemaining;
  private final java.util.Map<Integer, List<Object>> restoredOperators;
  private final boolean finishedSplit;

  StreamTask(StreamExecution job, StageSpec stage, int index, JobExecution.SplitRef split, Channel ioChannel) {
    this(job, stage, index, split, ioChannel, null);
  }

  StreamTask(StreamExecution job, StageSpec stage, int index, JobExecution.SplitRef split, Channel ioChannel,
             java.util.Map<Integer, List<Object>> restoredOperators) {
    this.job = job;
    this.stage = stage;
    this.index = index;
    this.split = split;
    this.restoredOperators = restoredOperators;
    this.finishedSplit = split != null && split.split() instanceof StreamCheckpoints.FinishedSplit;
    this.blockingSource = ioChannel != null;
    this.splitDone = split == null || blockingSource || finishedSplit;
    this.sourceContext = split == null ? null : new RuntimeSourceContext(source(), index, 1, null, RuntimeSourceContext.STREAM_LOG);
    build(ioChannel);
  }

  @SuppressWarnings("unchecked")
  private Source<Object> source() {
    return (Source<Object>) ((Op.Read) job.plan.transform(split.transform()).op()).source();
  }

  // ---------------------------------------------------------------- building the chain

  private void build(Channel ioChannel) {
    PhysicalPlan plan = job.plan;
    int n = plan.logical().transforms().size();
    Node[] byId = new Node[n];
    Vertex[] vertexOf = new Vertex[n];
    for (int id : stage.transforms()) {
      byId[id] = create(plan.transform(id));
    }
    if (split != null) {
      readNode = byId[split.transform()];
      for (int id : stage.transforms()) {
        Transform t = plan.transform(id);
        if (t.op() instanceof Op.DeadLetters && t.inputs().get(0) == split.transform()) {
          deadLetterNode = byId[id];
        }
      }
      sourceContext.deadLetters = deadLetterNode;
    }
    for (int id : stage.transforms()) {
      Transform t = plan.transform(id);
      Node node = byId[id];
      nodes.add(node);
      Vertex v = new Vertex(node, Math.max(1, t.inputs().size()));
      vertexOf[id] = v;
      vertexList.add(v);
      v.holds = node instanceof AggregateNodes.Final || node instanceof StreamNodes.BuildFirstJoin
          || node instanceof SortNode;
      if (t.op() instanceof Op.Read) {
        if (split != null && split.transform() == id) {
          if (ioChannel != null) {
            Collector<Object> target = deadLetterNode != null
                ? new StreamNodes.DeadLetterSplitter(node, deadLetterNode) : node;
            InputChannel in = new InputChannel(ioChannel, target, Mode.PLAIN, "split " + split.split().id());
            ioInput = in;
            inputList.add(in);
            v.chans[0].add(in);
          } else {
            v.splitFed = true;
          }
        }
      } else {
        for (int k = 0; k < t.inputs().size(); k++) {
          ExchangeSpec e = plan.exchangeInto(t.inputs().get(k), id, k);
          if (e == null) {
            v.up[k].add(vertexOf[t.inputs().get(k)]);
            continue;
          }
          Mode mode = e.kind() == ExchangeKind.HASH && !e.combined()
              ? (node instanceof StreamNodes.Operator ? Mode.KEY_SLOT : Mode.KEY_WRAP) : Mode.PLAIN;
          Channel[] from = job.channelsInto(e, index);
          for (int p = 0; p < from.length; p++) {
            InputChannel in = new InputChannel(from[p], node.input(k), mode,
                "partition " + index + " of exchange " + e.id() + " (from task " + p + ")");
            in.gateSide = t.op() instanceof Op.Enrich && k == 1;
            inputList.add(in);
            v.chans[k].add(in);
          }
        }
      }
      if (node instanceof StreamNodes.Operator op) {
        operatorList.add(op);
        if (t.op() instanceof Op.Enrich) {
          v.gate = true;
        }
      } else if (node instanceof StreamNodes.Timestamps ts) {
        timestampList.add(ts);
      }
      for (ExchangeSpec e : plan.exchangesFrom(id)) {
        Channel[] to = job.channelsFrom(e, index);
        StreamNodes.ChannelWriter[] writers = new StreamNodes.ChannelWriter[to.length];
        for (int c = 0; c < to.length; c++) {
          writers[c] = new StreamNodes.ChannelWriter(to[c]);
        }
        StreamNodes.ExchangeOut out = new StreamNodes.ExchangeOut(e, writers, slot, index);
        Vertex feeding = v;
        if (e.combined()) {
          Node combine = new AggregateNodes.Combine(e.to(), plan.transform(e.to()).name(), e.key(), e.combiner(),
              job.resources);
          combine.down = out;
          nodes.add(combine);
          combines.add((AggregateNodes.Combine) combine);
          Vertex cv = new Vertex(combine, 1);
          cv.holds = true;
          cv.up[0].add(v);
          vertexList.add(cv);
          feeding = cv;
        }
        nodes.add(out);
        outList.add(out);
        Vertex ov = new Vertex(out, 1);
        ov.up[0].add(feeding);
        vertexList.add(ov);
      }
      if (node instanceof StreamNodes.SinkFeed feed) {
        outList.add(feed);
      }
    }
    // Wire the chain: forward edges, side outputs, exchanges.
    for (int id : stage.transforms()) {
      List<Collector<Object>> targets = new ArrayList<>();
      Map<String, List<Collector<Object>>> sides = new LinkedHashMap<>();
      for (int c : stage.transforms()) {
        Transform consumer = plan.transform(c);
        if (consumer.op() instanceof Op.DeadLetters) {
          continue;
        }
        List<Integer> ins = consumer.inputs();
        for (int k = 0; k < ins.size(); k++) {
          if (ins.get(k) == id && plan.exchangeInto(id, c, k) == null) {
            if (consumer.op() instanceof Op.SideOutput so) {
              sides.computeIfAbsent(so.tag(), x -> new ArrayList<>()).add(byId[c].input(k));
            } else {
              targets.add(byId[c].input(k));
            }
          }
        }
      }
      for (Node node : nodes) {
        if (node instanceof StreamNodes.ExchangeOut out && out.transformId == id) {
          targets.add(findCombineFor(out));
        }
      }
      Collector<Object> down = fanOut(targets);
      Node node = byId[id];
      node.down = down;
      if (node instanceof StreamNodes.BuildFirstJoin b) {
        b.join.down = down;
      }
      if (node instanceof StreamNodes.Operator op && !sides.isEmpty()) {
        Map<String, Collector<Object>> m = new HashMap<>();
        sides.forEach((tag, list) -> m.put(tag, fanOut(list)));
        op.sides = m;
      }
    }
    vertices = vertexList.toArray(new Vertex[0]);
    inputs = inputList.toArray(new InputChannel[0]);
    outs = outList.toArray(new StreamNodes.Out[0]);
    operators = operatorList.toArray(new StreamNodes.Operator[0]);
    timestamps = timestampList.toArray(new StreamNodes.Timestamps[0]);
    List<Vertex> g = new ArrayList<>();
    for (Vertex v : vertices) {
      if (v.gate) {
        g.add(v);
      }
    }
    gates = g.toArray(new Vertex[0]);
    for (Vertex v : vertices) {
      v.freeze();
    }
  }

  /** The collector in front of an exchange: the map-side combine if there is one, else the exchange itself. */
  private Collector<Object> findCombineFor(StreamNodes.ExchangeOut out) {
    for (Node node : nodes) {
      if (node instanceof AggregateNodes.Combine && node.down == out) {
        return node;
      }
    }
    return out;
  }

  private Collector<Object> fanOut(List<Collector<Object>> targets) {
    if (targets.isEmpty()) {
      return r -> {};
    }
    if (targets.size() == 1) {
      return targets.get(0);
    }
    @SuppressWarnings("unchecked")
    Collector<Object>[] a = targets.toArray(new Collector[0]);
    return new StreamNodes.FanOut(a, slot);
  }

  @SuppressWarnings("unchecked")
  private Node create(Transform t) {
    Node common = ChainNodes.common(t, job.resources);
    if (common != null) {
      return common;
    }
    Op op = t.op();
    int id = t.id();
    String name = t.name();
    if (op instanceof Op.Aggregate a) {
      AggregateNodes.Final f = ChainNodes.aggregate(t, a, job.plan, job.resources, job.checkpoints != null);
      finals.add(f);
      return f;
    } else if (op instanceof Op.Join j) {
      return new StreamNodes.BuildFirstJoin(new JoinNode(id, name, j.type(), job.resources));
    } else if (op instanceof Op.Write) {
      return new StreamNodes.SinkFeed(id, name, new StreamNodes.ChannelWriter(job.sinkChannel(id, index)), slot);
    } else if (op instanceof Op.Timestamps ts) {
      WatermarkStrategy<Object> ws = (WatermarkStrategy<Object>) ts.watermarks();
      long idle = ws.idleTimeout() == null ? 0 : Math.max(1, ws.idleTimeout().toMillis());
      return new StreamNodes.Timestamps(id, name, ts.assigner(), ws.generator().create(), idle, slot);
    } else if (StreamOperators.isStreamOperator(op)) {
      int n = t.inputs().size();
      boolean[] keyed = new boolean[n];
      for (int k = 0; k < n; k++) {
        ExchangeSpec e = job.plan.exchangeInto(t.inputs().get(k), id, k);
        keyed[k] = e != null && e.kind() == ExchangeKind.HASH && !e.combined();
      }
      StreamNodes.Operator node = new StreamNodes.Operator(id, name, job.createOperator(op), keyed, slot, index,
          job.taskCount(stage), job.clock);
      node.stateBackends(job.stateBackends, job.resources);
      if (job.checkpoints != null) {
        node.nativeFiles(new NativeFiles(id));
      }
      return node;
    }
    return new StatelessNodes.Pass(id, name);
  }

  // ---------------------------------------------------------------- running

  /** One duty cycle; returns the work done (0 = nothing to do now). */
  int doWork() throws Exception {
    if (!initialized) {
      init();
    }
    StreamCheckpoints.Attempt ck = job.checkpointAttempt;
    boolean mayRead = true;
    if (micro != null && reader != null && !splitDone) {
      long r = micro.poll(reader, Math.max(lastSnapshot, triggered));
      if (r > 0) {
        triggered = r; // the batch's end is reached: its barrier goes out now
      }
      mayRead = r == MicroSplit.READ;
    }
    if (ck != null) {
      long c = completed;
      if (c > notified) {
        notified = c;
        if (reader != null && !splitDone) {
          reader.notifyCheckpointComplete(c);
        }
        for (StreamNodes.Operator op : operators) {
          op.checkpointComplete(c);
        }
      }
      long t = triggered;
      if (!splitDone && t > lastSnapshot && aligning == 0) {
        aligning = t;
        alignStart = System.nanoTime();
      }
      if (aligning != 0 && aligned()) {
        snapshot(ck);
      }
    }
    int work = 0;
    for (StreamNodes.Out o : outs) {
      work += o.drain();
    }
    long now = job.clock.millis();
    if (!blocked()) {
      slot.stamp = Batch.NO_STAMP;
      for (StreamNodes.Operator op : operators) {
        op.fireTimers(now);
      }
      boolean gated = gated();
      if (!splitDone && mayRead && !gated && (aligning == 0 || triggered < aligning)) {
        work += readSource();
      }
      work += pollInputs(gated);
      if (aligning != 0 && aligned()) {
        snapshot(ck);
        work++;
      }
    }
    for (StreamNodes.Timestamps t : timestamps) {
      t.tick(now);
    }
    advance();
    for (StreamNodes.Out o : outs) {
      o.flushPartial();
    }
    if (vertices.length == 0 || vertices[vertices.length - 1].ended && allEnded()) {
      boolean drained = true;
      for (StreamNodes.Out o : outs) {
        drained &= o.drained();
      }
      if (drained) {
        finished = true;
        position = "end of input";
        work++;
        if (ck != null) {
          done = true;
          ck.taskFinished(this);
        }
      }
    }
    return work;
  }

  private boolean allEnded() {
    for (Vertex v : vertices) {
      if (!v.ended) {
        return false;
      }
    }
    return true;
  }

  private void init() throws Exception {
    initialized = true;
    for (StreamNodes.Operator op : operators) {
      op.open();
      if (restoredOperators != null) {
        List<Object> snapshots = restoredOperators.get(op.transformId);
        if (snapshots != null) {
          position = "restoring the state of " + op.name();
          op.restore(snapshots);
        }
      }
    }
    if (restoredOperators != null) {
      for (AggregateNodes.Final f : finals) {
        List<Object> snapshots = restoredOperators.get(f.transformId);
        if (snapshots != null) {
          position = "restoring the state of " + f.name;
          f.restore(snapshots, index, job.taskCount(stage));
        }
      }
    }
    if (split != null && !blockingSource && !finishedSplit) {
      position = "opening split " + split.split().id();
      reader = source().reader(split.split(), sourceContext);
      sourceContext.reader = reader;
      if (job.checkpoints != null) {
        checkRemainingSplit(reader, source());
      }
      if (micro != null) {
        checkMicroBatch(reader, source());
      }
      position = "split " + split.split().id() + ", before the first record";
    }
  }

  private boolean blocked() {
    for (StreamNodes.Out o : outs) {
      if (o.blocked()) {
        return true;
      }
    }
    return false;
  }

  private boolean gated() {
    for (Vertex g : gates) {
      if (!g.inEnded[1]) {
        return true;
      }
    }
    return false;
  }

  private int readSource() throws Exception {
    long before = readNode.out;
    slot.stamp = System.nanoTime();
    boolean more;
    try {
      more = reader.read(sourceOutput);
    } catch (Throwable t) {
      position = safePosition();
      throw t;
    }
    slot.stamp = Batch.NO_STAMP;
    if (!more) {
      splitDone = true;
      if (micro != null) {
        micro.ended = true;
      }
      position = safePosition();
      return 1 + (int) (readNode.out - before);
    }
    return (int) (readNode.out - before);
  }

  private String safePosition() {
    try {
      return reader.position();
    } catch (RuntimeException e) {
      return position;
    }
  }

  /** What a non-blocking reader emits into: records with or without their own event time. */
  private final SourceOutput<Object> sourceOutput = new SourceOutput<>() {
    @Override
    public void collect(Object record, long timestamp) {
      slot.ts = timestamp;
      readNode.collect(record);
    }

    @Override
    public void collect(Object record) {
      slot.ts = Long.MIN_VALUE;
      readNode.collect(record);
    }

    @Override
    public void emitWatermark(long watermark) {
      if (watermark > splitWatermark) {
        splitWatermark = watermark;
      }
    }
  };

  private int pollInputs(boolean gated) {
    int work = 0;
    InputChannel[] ins = inputs;
    int n = ins.length;
    if (n == 0) {
      return 0;
    }
    int start = nextInput;
    nextInput = start + 1 >= n ? 0 : start + 1;
    for (int j = 0; j < n; j++) {
      int ci = start + j;
      InputChannel c = ins[ci >= n ? ci - n : ci];
      if (c.ended || (gated && !c.gateSide) || (aligning != 0 && c.barrier >= aligning)) {
        continue;
      }
      for (int b = 0; b < BATCHES_PER_CHANNEL; b++) {
        Object item = c.channel.poll();
        if (item == null) {
          break;
        }
        work++;
        if (item instanceof Batch batch) {
          process(c, batch);
          c.channel.recycle(batch);
        } else {
          Control ctl = (Control) item;
          if (ctl.kind() == Control.Kind.BARRIER) {
            barrier(c, ctl);
            break;
          }
          long before = c.wm;
          control(c, ctl);
          if (c.ended || c.wm > before) {
            // Event time advanced: stop reading this channel until advance() has delivered the
            // watermark, so the records behind it are processed after it, in channel order.
            break;
          }
        }
        if (blocked()) {
          return work;
        }
      }
    }
    return work;
  }

  private void process(InputChannel c, Batch batch) {
    c.idle = false;
    StreamNodes.Slot s = slot;
    s.stamp = batch.stampNanos;
    Object[] records = batch.records;
    long[] ts = batch.timestamps;
    Object[] keys = batch.keys;
    Collector<Object> target = c.target;
    int n = batch.size;
    int i = 0;
    try {
      switch (c.mode) {
        case PLAIN -> {
          for (; i < n; i++) {
            s.ts = ts[i];
            target.collect(records[i]);
          }
        }
        case KEY_SLOT -> {
          for (; i < n; i++) {
            s.ts = ts[i];
            s.key = keys[i];
            target.collect(records[i]);
          }
          s.key = null;
        }
        case KEY_WRAP -> {
          for (; i < n; i++) {
            s.ts = ts[i];
            target.collect(new KV<>(keys[i], records[i]));
          }
        }
      }
    } catch (RuntimeException e) {
      position = "record " + (c.consumed + i + 1) + " of " + c.name + " ("
          + JobExecution.abbreviate(String.valueOf(records[i])) + ")";
      throw e;
    }
    c.consumed += n;
    s.stamp = Batch.NO_STAMP;
  }

  private static void control(InputChannel c, Control ctl) {
    switch (ctl.kind()) {
      case WATERMARK -> {
        c.idle = false;
        if (ctl.watermark() > c.wm) {
          c.wm = ctl.watermark();
        }
      }
      case IDLE -> c.idle = true;
      case BARRIER -> throw new IllegalStateException("barriers are handled by the task");
      case END -> {
        c.ended = true;
        c.wm = Long.MAX_VALUE;
      }
    }
  }

  // ---------------------------------------------------------------- checkpoints

  /** Fails the job at start when checkpoints are on and the reader cannot report its position. */
  static void checkRemainingSplit(SplitReader<?> reader, Source<?> source) {
    try {
      reader.remainingSplit();
    } catch (UnsupportedOperationException e) {
      throw new UnsupportedOperationException("source " + source.name() + " cannot be checkpointed: its reader ("
          + reader.getClass().getName() + ") does not report its position (SplitReader.remainingSplit); run the"
          + " job without checkpoints", e);
    }
  }

  /** Fails the job at start in micro-batch mode when the reader cannot report offsets. */
  static void checkMicroBatch(SplitReader<?> reader, Source<?> source) {
    try {
      reader.offset();
    } catch (UnsupportedOperationException e) {
      throw new UnsupportedOperationException("source " + source.name() + " cannot run in micro-batch mode: "
          + e.getMessage(), e);
    }
  }

  private void barrier(InputChannel c, Control ctl) {
    long id = ctl.checkpointId();
    c.barrier = id;
    if (c == ioInput) {
      ioRemaining = (dev.sluice.api.source.SourceSplit) ctl.payload();
      ioBarrier = id;
    }
    if (aligning == 0 && id > lastSnapshot) {
      aligning = id;
      alignStart = System.nanoTime();
    }
  }

  private long ioBarrier;
  private InputChannel ioInput;

  /** Whether every live input has delivered barrier {@link #aligning}. */
  private boolean aligned() {
    if (!splitDone && triggered < aligning) {
      return false;
    }
    for (InputChannel c : inputs) {
      if (!c.ended && c.barrier < aligning) {
        return false;
      }
    }
    return true;
  }

  private void snapshot(StreamCheckpoints.Attempt ck) throws Exception {
    long id = aligning;
    long alignNanos = System.nanoTime() - alignStart;
    position = "checkpoint " + id;
    java.util.HashMap<Integer, Object> states = new java.util.HashMap<>();
    for (StreamNodes.Operator op : operators) {
      Object state = op.snapshot(id);
      if (state != null) {
        states.put(op.transformId, state);
      }
    }
    String refused = null;
    for (AggregateNodes.Final f : finals) {
      Object state = f.snapshot();
      if (state == null) {
        refused = f.unsnapshottable();
      } else {
        states.put(f.transformId, state);
      }
    }
    // A map-side combine's partial accumulators are not state: they go downstream before the barrier.
    for (AggregateNodes.Combine c : combines) {
      c.flushForCheckpoint();
    }
    dev.sluice.api.source.SourceSplit remaining = null;
    if (split != null && !finishedSplit) {
      if (blockingSource) {
        remaining = ioBarrier == id ? ioRemaining : null; // else the reader had ended: nothing left
      } else if (!splitDone) {
        remaining = reader.remainingSplit(id);
      }
    }
    List<StreamCheckpoints.Staged> natives = List.copyOf(staged);
    staged.clear();
    if (refused != null) {
      for (StreamCheckpoints.Staged st : natives) {
        st.cleanup().run();
      }
      ck.declineFromTask(id, refused); // the barrier still goes out: later checkpoints align as usual
    } else {
      ck.taskSnapshot(this, id, new dev.sluice.core.checkpoint.TaskState(stage.id(), index, false,
          split == null ? -1 : split.transform(), remaining, states), alignNanos, natives);
    }
    Control barrier = Control.barrier(id, null);
    for (StreamNodes.Out o : outs) {
      o.barrier(barrier);
    }
    lastSnapshot = id;
    aligning = 0;
  }

  /**
   * Where one operator of this task puts native checkpoint files: {@code native-<transform>-<task>/}
   * in the checkpoint's directory, shared files in the job's shared directory; on restore the
   * directories of the checkpoint restored from.
   */
  private final class NativeFiles implements dev.sluice.core.stream.state.NativeCheckpointFiles {
    private final int transformId;

    NativeFiles(int transformId) {
      this.transformId = transformId;
    }

    @Override
    public String privateDir(long checkpointId) {
      return "native-" + transformId + "-" + index;
    }

    @Override
    public void stage(long checkpointId, List<StagedFile> files, Runnable cleanup) {
      staged.add(new StreamCheckpoints.Staged(List.copyOf(files), cleanup));
    }

    @Override
    public boolean incrementalHeap() {
      return job.checkpoints.settings.incremental();
    }

    @Override
    public java.nio.file.Path restoreCheckpointDir() {
      return job.restored == null ? null : job.restored.dir();
    }

    @Override
    public java.nio.file.Path restoreSharedDir() {
      return job.restored == null ? null : job.restored.sharedDir();
    }
  }

  /** Event time and end of input over the chain, in topological order. */
  private void advance() throws Exception {
    slot.stamp = Batch.NO_STAMP;
    for (Vertex v : vertices) {
      if (v.ended) {
        continue;
      }
      boolean allEnded = true;
      boolean active = false;
      long min = Long.MAX_VALUE;
      for (int k = 0; k < v.inputs; k++) {
        boolean endedK = true;
        for (Vertex u : v.upArr[k]) {
          if (!u.ended) {
            endedK = false;
            if (!u.idle) {
              active = true;
              if (u.wm < min) {
                min = u.wm;
              }
            }
          }
        }
        for (InputChannel c : v.chanArr[k]) {
          if (!c.ended) {
            endedK = false;
            if (!c.idle) {
              active = true;
              if (c.wm < min) {
                min = c.wm;
              }
            }
          }
        }
        if (k == 0 && v.splitFed && !splitDone) {
          endedK = false;
          active = true;
          min = splitWatermark;
        }
        if (endedK && !v.inEnded[k]) {
          v.inEnded[k] = true;
          position = "end of input " + k + " of " + v.node.name;
          v.node.endInput(k);
        }
        allEnded &= endedK;
      }
      Node node = v.node;
      if (allEnded) {
        position = "end of input (finishing " + node.name + ")";
        if (node instanceof StreamNodes.Out o) {
          o.watermark(Long.MAX_VALUE, false);
        }
        node.finish();
        v.ended = true;
        v.wm = Long.MAX_VALUE;
        v.idle = false;
        continue;
      }
      if (node instanceof StreamNodes.Timestamps t) {
        v.wm = t.watermark;
        v.idle = t.idle;
      } else if (node instanceof StreamNodes.Operator op) {
        if (active && min > op.deliveredWatermark) {
          position = "watermark " + min + " at " + op.name();
          op.watermark(min);
        }
        v.wm = op.emittedWatermark;
        v.idle = !active;
      } else if (v.holds) {
        v.wm = Long.MIN_VALUE;
        v.idle = false;
      } else if (active) {
        v.wm = min;
        v.idle = false;
      } else {
        v.idle = true;
      }
      if (node instanceof StreamNodes.Out o) {
        o.watermark(v.wm, v.idle);
      }
    }
  }

  /** Releases everything; on the worker thread after the task finished, failed or was cancelled. */
  void release(boolean success) {
    for (Node n : nodes) {
      try {
        if (success) {
          n.close();
        } else {
          n.abort();
        }
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(StreamTask.class).warn("releasing {} failed: {}", n.name, e.toString());
      }
    }
    if (reader != null) {
      try {
        reader.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(StreamTask.class).warn("closing reader failed: {}", e.toString());
      }
    }
  }

  String describeTask() {
    return split != null ? "split " + split.split().id() + " (task " + index + ")" : "partition " + index;
  }

  // ---------------------------------------------------------------- graph

  enum Mode { PLAIN, KEY_SLOT, KEY_WRAP }

  /** The consumer end of one channel, with that channel's event-time status. */
  static final class InputChannel {
    final Channel channel;
    final Collector<Object> target;
    final Mode mode;
    final String name;
    boolean gateSide;
    long wm = Long.MIN_VALUE;
    boolean idle;
    boolean ended;
    long consumed;
    /** The latest checkpoint barrier this channel delivered. */
    long barrier;

    InputChannel(Channel channel, Collector<Object> target, Mode mode, String name) {
      this.channel = channel;
      this.target = target;
      this.mode = mode;
      this.name = name;
    }
  }

  /** A node of the chain with its feeders per input and its output event time. */
  static final class Vertex {
    final Node node;
    final int inputs;
    final List<Vertex>[] up;
    final List<InputChannel>[] chans;
    Vertex[][] upArr;
    InputChannel[][] chanArr;
    final boolean[] inEnded;
    boolean splitFed;
    boolean holds;
    boolean gate;
    boolean ended;
    boolean idle;
    long wm = Long.MIN_VALUE;

    @SuppressWarnings("unchecked")
    Vertex(Node node, int inputs) {
      this.node = node;
      this.inputs = inputs;
      up = new List[inputs];
      chans = new List[inputs];
      for (int k = 0; k < inputs; k++) {
        up[k] = new ArrayList<>();
        chans[k] = new ArrayList<>();
      }
      inEnded = new boolean[inputs];
    }

    void freeze() {
      upArr = new Vertex[inputs][];
      chanArr = new InputChannel[inputs][];
      for (int k = 0; k < inputs; k++) {
        upArr[k] = up[k].toArray(new Vertex[0]);
        chanArr[k] = chans[k].toArray(new InputChannel[0]);
      }
    }
  }
}
