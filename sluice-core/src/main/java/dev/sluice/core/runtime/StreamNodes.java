package dev.sluice.core.runtime;

import dev.sluice.api.KV;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeySelector;
import dev.sluice.api.source.DeadLetter;
import dev.sluice.api.time.TimestampAssigner;
import dev.sluice.api.time.WatermarkGenerator;
import dev.sluice.core.plan.ExchangeKind;
import dev.sluice.core.plan.ExchangeSpec;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.channel.Batch;
import dev.sluice.core.stream.channel.Channel;
import dev.sluice.core.stream.channel.Control;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes only the streaming runtime uses. A streaming task's chain is made of the batch
 * {@link Node}s plus these; the record's event time, its key (on hash edges into stream operators)
 * and its latency stamp travel beside it in the task's {@link Slot}, so the per-record path stays a
 * plain method call with no carrier object.
 */
final class StreamNodes {
  private StreamNodes() {}

  private static final Logger LOG = LoggerFactory.getLogger(StreamNodes.class);
  private static final int MAX_LATE_LOGS = 5;

  /** The task's mutable side band of the record being pushed. One per task; task thread only. */
  static final class Slot {
    /** Event time of the current record, {@link Long#MIN_VALUE} for none. */
    long ts = Long.MIN_VALUE;
    /** Key of the current record on a hash edge into a stream operator. */
    Object key;
    /** {@link System#nanoTime()} the current record was read at its source, {@link Batch#NO_STAMP} for none. */
    long stamp = Batch.NO_STAMP;
  }

  /** Fan-out that gives every branch the same timestamp (a branch may re-assign it). */
  static final class FanOut implements Collector<Object> {
    private final Collector<Object>[] targets;
    private final Slot slot;

    FanOut(Collector<Object>[] targets, Slot slot) {
      this.targets = targets;
      this.slot = slot;
    }

    @Override
    public void collect(Object record) {
      long ts = slot.ts;
      for (Collector<Object> t : targets) {
        slot.ts = ts;
        t.collect(record);
      }
    }
  }

  /** Applies {@link dev.sluice.api.plan.Op.Timestamps}: the assigner and this task's watermark generator. */
  static final class Timestamps extends Node {
    private final TimestampAssigner<Object> assigner;
    private final WatermarkGenerator<Object> generator;
    private final long idleTimeoutMs;
    private final Slot slot;
    private boolean sawRecord;
    private long lastActive = Long.MIN_VALUE;
    boolean idle;
    long watermark = Long.MIN_VALUE;

    @SuppressWarnings("unchecked")
    Timestamps(int id, String name, TimestampAssigner<?> assigner, WatermarkGenerator<?> generator, long idleTimeoutMs,
               Slot slot) {
      super(id, name);
      this.assigner = (TimestampAssigner<Object>) assigner;
      this.generator = (WatermarkGenerator<Object>) generator;
      this.idleTimeoutMs = idleTimeoutMs;
      this.slot = slot;
    }

    @Override
    public void collect(Object record) {
      in++;
      long ts;
      if (assigner != null) {
        try {
          ts = assigner.timestamp(record);
        } catch (Exception e) {
          throw userError(e);
        }
        slot.ts = ts;
      } else {
        ts = slot.ts;
      }
      generator.onEvent(record, ts);
      sawRecord = true;
      out++;
      down.collect(record);
    }

    /** Polls the generator and the idleness timeout; called once per duty cycle. */
    void tick(long nowMs) {
      if (sawRecord || lastActive == Long.MIN_VALUE) {
        sawRecord = false;
        lastActive = nowMs;
        idle = false;
      } else if (idleTimeoutMs > 0 && nowMs - lastActive >= idleTimeoutMs) {
        idle = true;
      }
      long w;
      try {
        w = generator.currentWatermark();
      } catch (RuntimeException e) {
        throw userError(e);
      }
      if (w > watermark) {
        watermark = w;
      }
    }
  }

  /**
   * Hosts a {@link StreamOperator}: the runtime side of {@link OperatorContext} and {@link Output}.
   */
  static final class Operator extends Node implements OperatorContext, Output {
    final StreamOperator op;
    private final boolean[] keyed;
    private final Collector<Object>[] inputs;
    private final Slot slot;
    private final int partition;
    private final int parallelism;
    private final java.time.InstantSource clock;
    Map<String, Collector<Object>> sides = Map.of();
    final TreeSet<Long> timers = new TreeSet<>();
    long emittedWatermark = Long.MIN_VALUE;
    long deliveredWatermark = Long.MIN_VALUE;
    long lateDropped;
    private boolean opened;
    private dev.sluice.core.stream.state.KeyedStateBackendFactory stateBackends;
    private JobResources resources;

    @SuppressWarnings("unchecked")
    Operator(int id, String name, StreamOperator op, boolean[] keyed, Slot slot, int partition, int parallelism,
             java.time.InstantSource clock) {
      super(id, name);
      this.op = op;
      this.keyed = keyed;
      this.slot = slot;
      this.partition = partition;
      this.parallelism = parallelism;
      this.clock = clock;
      inputs = new Collector[keyed.length];
      for (int k = 0; k < keyed.length; k++) {
        int input = k;
        inputs[k] = keyed[k] ? r -> element(input, slot.key, r) : r -> element(input, null, r);
      }
    }

    void open() throws Exception {
      opened = true;
      op.open(this);
    }

    @Override
    Collector<Object> input(int index) {
      return inputs[index];
    }

    @Override
    public void collect(Object record) {
      element(0, keyed[0] ? slot.key : null, record);
    }

    private void element(int input, Object key, Object value) {
      in++;
      try {
        op.processElement(input, key, value, slot.ts);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    Object snapshot(long checkpointId) {
      try {
        return op.snapshotState(checkpointId);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    void restore(java.util.List<Object> snapshots) {
      try {
        op.restoreState(snapshots);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    void checkpointComplete(long checkpointId) {
      try {
        op.notifyCheckpointComplete(checkpointId);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    void watermark(long w) {
      deliveredWatermark = w;
      try {
        op.processWatermark(w);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    void fireTimers(long now) {
      if (timers.isEmpty() || timers.first() > now) {
        return;
      }
      while (!timers.isEmpty() && timers.first() <= now) {
        timers.pollFirst();
      }
      try {
        op.onProcessingTime(now);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    @Override
    void endInput(int index) throws Exception {
      try {
        op.endInput(index);
      } catch (Exception e) {
        throw userError(e);
      }
    }

    @Override
    void finish() {
      try {
        op.finish();
      } catch (Exception e) {
        throw userError(e);
      }
    }

    @Override
    void abort() {
      close();
    }

    @Override
    void close() {
      if (opened) {
        opened = false;
        try {
          op.close();
        } catch (RuntimeException e) {
          LOG.warn("closing {} failed: {}", name, e.toString());
        }
      }
    }

    // ---- Output ----

    @Override
    public void emit(Object value, long timestamp) {
      out++;
      slot.ts = timestamp;
      down.collect(value);
    }

    @Override
    public void emitSide(String tag, Object value, long timestamp) {
      Collector<Object> c = sides.get(tag);
      if (c != null) {
        slot.ts = timestamp;
        c.collect(value);
      }
    }

    @Override
    public void emitWatermark(long watermark) {
      if (watermark < emittedWatermark) {
        throw new IllegalStateException(name + " emitted watermark " + watermark + " after " + emittedWatermark
            + ": watermarks must not go backwards");
      }
      emittedWatermark = watermark;
    }

    // ---- OperatorContext ----

    @Override public Output output() { return this; }

    @Override public long currentProcessingTime() { return clock.millis(); }

    @Override public void requestProcessingTime(long time) { timers.add(time); }

    @Override public int partition() { return partition; }

    @Override public int parallelism() { return parallelism; }

    @Override public int maxKeyGroups() { return KeyGroups.DEFAULT_MAX; }

    @Override public String name() { return name + " (#" + transformId + ")"; }

    private dev.sluice.core.stream.state.NativeCheckpointFiles nativeFiles;

    /** Where native checkpoint files go (the job takes checkpoints). */
    void nativeFiles(dev.sluice.core.stream.state.NativeCheckpointFiles files) {
      this.nativeFiles = files;
    }

    @Override
    public dev.sluice.core.stream.state.NativeCheckpointFiles nativeCheckpoints() {
      return nativeFiles;
    }

    /** Where {@link #createKeyedStateBackend} gets the job's backend kind, serializer and temp directory. */
    void stateBackends(dev.sluice.core.stream.state.KeyedStateBackendFactory factory, JobResources resources) {
      this.stateBackends = factory;
      this.resources = resources;
    }

    @Override
    public dev.sluice.core.stream.state.KeyedStateBackend createKeyedStateBackend() {
      if (stateBackends == null || stateBackends == dev.sluice.core.stream.state.KeyedStateBackends.HEAP) {
        return OperatorContext.super.createKeyedStateBackend();
      }
      return stateBackends.create(new dev.sluice.core.stream.state.KeyedStateBackendFactory.Params(
          name() + " [task " + partition + " of " + parallelism + "]", maxKeyGroups(),
          dev.sluice.core.stream.state.KeyGroupRange.ofPartition(partition, maxKeyGroups(), parallelism),
          this::currentProcessingTime, resources.serde, resources.jobDir()));
    }

    @Override
    public void countLateDropped(Object element, long timestamp) {
      if (lateDropped++ < MAX_LATE_LOGS) {
        LOG.warn("{} (task {}): dropped late element with timestamp {} (watermark {}): {}", name(), partition, timestamp,
            deliveredWatermark, JobExecution.abbreviate(String.valueOf(element)));
      }
    }
  }

  /**
   * A batch join in a streaming task: both inputs arrive at the same time, but {@link JoinNode} needs
   * its build side (input 1) complete first, so the probe side is held until input 1 has ended.
   * (Holding rather than not reading it avoids a deadlock when both sides come from one producer.)
   */
  static final class BuildFirstJoin extends Node {
    final JoinNode join;
    private java.util.ArrayList<Object> held = new java.util.ArrayList<>();

    BuildFirstJoin(JoinNode join) {
      super(join.transformId, join.name);
      this.join = join;
    }

    @Override
    Collector<Object> input(int index) {
      return index == 1 ? join.input(1) : this;
    }

    @Override
    public void collect(Object record) {
      if (held != null) {
        held.add(record);
      } else {
        join.collect(record);
      }
    }

    @Override
    void endInput(int index) {
      if (index == 1 && held != null) {
        java.util.ArrayList<Object> h = held;
        held = null;
        for (Object r : h) {
          join.collect(r);
        }
      }
    }

    @Override
    void finish() {
      endInput(1);
      join.finish();
    }

    @Override
    void abort() {
      held = null;
      join.abort();
    }

    @Override
    void close() {
      join.close();
    }
  }

  /** A source record that could not be read, travelling from an I/O thread to the dead-letter output. */
  record DeadLetterEnvelope(DeadLetter letter) {}

  /** Routes dead-letter envelopes from a blocking source's channel to the dead-letter node. */
  static final class DeadLetterSplitter implements Collector<Object> {
    private final Collector<Object> records;
    private final Collector<Object> deadLetters;

    DeadLetterSplitter(Collector<Object> records, Collector<Object> deadLetters) {
      this.records = records;
      this.deadLetters = deadLetters;
    }

    @Override
    public void collect(Object record) {
      if (record instanceof DeadLetterEnvelope e) {
        if (deadLetters != null) {
          deadLetters.collect(e.letter());
        }
      } else {
        records.collect(record);
      }
    }
  }

  /**
   * The producer end of one channel: fills batches, hands them over, and keeps what the channel
   * cannot take yet in an overflow queue. While the overflow is not empty the task is backpressured
   * and takes no new input; the overflow is at most what one unit of input (one source chunk, one
   * input batch, or the output of finishing an operator) produced.
   */
  static final class ChannelWriter {
    final Channel channel;
    private final ArrayDeque<Object> overflow = new ArrayDeque<>();
    private Batch current;
    long sentWatermark = Long.MIN_VALUE;
    boolean sentIdle;
    boolean ended;

    ChannelWriter(Channel channel) {
      this.channel = channel;
    }

    void add(Object record, Object key, long ts, long stamp) {
      Batch b = current;
      if (b == null) {
        b = current = channel.obtain();
      }
      int n = b.size;
      b.records[n] = record;
      b.timestamps[n] = ts;
      if (b.keys != null) {
        b.keys[n] = key;
      }
      if (stamp < b.stampNanos) {
        b.stampNanos = stamp;
      }
      b.size = n + 1;
      if (n + 1 == b.records.length) {
        current = null;
        push(b);
      }
    }

    private void push(Object item) {
      if (overflow.isEmpty() && channel.offer(item)) {
        return;
      }
      overflow.add(item);
    }

    boolean blocked() {
      return !overflow.isEmpty();
    }

    /** Moves overflow into the channel; returns the number of items moved. */
    int drain() {
      int moved = 0;
      while (!overflow.isEmpty() && channel.offer(overflow.peekFirst())) {
        overflow.pollFirst();
        moved++;
      }
      return moved;
    }

    /** Hands over a partly filled batch so records don't wait for the batch to fill (latency). */
    void flushPartial() {
      Batch b = current;
      if (b != null && b.size > 0 && overflow.isEmpty() && channel.offer(b)) {
        current = null;
      }
    }

    private void control(Control c) {
      Batch b = current;
      if (b != null && b.size > 0) {
        current = null;
        push(b);
      }
      push(c);
    }

    /** Forwards event time when it advanced or the idle status changed. */
    void watermark(long w, boolean idle) {
      if (ended) {
        return;
      }
      if (idle) {
        if (!sentIdle) {
          sentIdle = true;
          control(Control.IDLE);
        }
      } else if (sentIdle || w > sentWatermark) {
        sentIdle = false;
        if (w > sentWatermark) {
          sentWatermark = w;
        }
        control(Control.watermark(sentWatermark));
      }
    }

    void barrier(Control barrier) {
      if (!ended) {
        control(barrier);
      }
    }

    void end() {
      if (!ended) {
        ended = true;
        control(Control.END);
      }
    }

    /** Whether everything, the end marker included, is in the channel. */
    boolean drained() {
      return overflow.isEmpty() && (current == null || current.size == 0);
    }
  }

  /** A node whose output leaves the task through channels (an exchange or a sink feed). */
  abstract static class Out extends Node {
    final ChannelWriter[] writers;

    Out(int id, String name, ChannelWriter[] writers) {
      super(id, name);
      this.writers = writers;
    }

    boolean blocked() {
      for (ChannelWriter w : writers) {
        if (w.blocked()) {
          return true;
        }
      }
      return false;
    }

    int drain() {
      int moved = 0;
      for (ChannelWriter w : writers) {
        moved += w.drain();
      }
      return moved;
    }

    void flushPartial() {
      for (ChannelWriter w : writers) {
        w.flushPartial();
      }
    }

    void watermark(long w, boolean idle) {
      for (ChannelWriter cw : writers) {
        cw.watermark(w, idle);
      }
    }

    void barrier(Control barrier) {
      for (ChannelWriter cw : writers) {
        cw.barrier(barrier);
      }
    }

    @Override
    void finish() {
      for (ChannelWriter w : writers) {
        w.end();
      }
    }

    boolean drained() {
      for (ChannelWriter w : writers) {
        if (!w.drained()) {
          return false;
        }
      }
      return true;
    }
  }

  /** The producer side of a streaming exchange: routes each record to a consumer task's channel. */
  static final class ExchangeOut extends Out {
    private final ExchangeSpec spec;
    private final KeySelector<Object, Object> key;
    private final Slot slot;
    private final int consumers;
    private int next;

    @SuppressWarnings("unchecked")
    ExchangeOut(ExchangeSpec spec, ChannelWriter[] writers, Slot slot, int taskIndex) {
      super(spec.from(), "exchange " + spec.id(), writers);
      this.spec = spec;
      this.key = spec.combined() ? null : (KeySelector<Object, Object>) spec.key();
      this.slot = slot;
      this.consumers = writers.length;
      this.next = consumers == 0 ? 0 : taskIndex % consumers;
    }

    @Override
    public void collect(Object record) {
      in++;
      Slot s = slot;
      switch (spec.kind()) {
        case HASH -> {
          Object k;
          if (key != null) {
            try {
              k = key.key(record);
            } catch (Exception e) {
              throw new UserFunctionException("key selector of exchange " + spec.id(), e);
            }
            writers[KeyGroups.partitionOfKey(k, KeyGroups.DEFAULT_MAX, consumers)].add(record, k, s.ts, s.stamp);
          } else {
            k = ((KV<?, ?>) record).key();
            writers[KeyGroups.partitionOfKey(k, KeyGroups.DEFAULT_MAX, consumers)].add(record, null, s.ts, s.stamp);
          }
        }
        case BROADCAST -> {
          for (ChannelWriter w : writers) {
            w.add(record, null, s.ts, s.stamp);
          }
        }
        default -> {
          if (consumers > 0) {
            writers[next].add(record, null, s.ts, s.stamp);
            next = next + 1 == consumers ? 0 : next + 1;
          }
        }
      }
    }

    boolean keyed() {
      return spec.kind() == ExchangeKind.HASH && key != null;
    }
  }

  /** Feeds a sink writer that runs on its own thread. */
  static final class SinkFeed extends Out {
    private final Slot slot;
    private final ChannelWriter writer;

    SinkFeed(int id, String name, ChannelWriter writer, Slot slot) {
      super(id, name, new ChannelWriter[] {writer});
      this.writer = writer;
      this.slot = slot;
    }

    @Override
    public void collect(Object record) {
      in++;
      writer.add(record, null, slot.ts, slot.stamp);
    }
  }
}
