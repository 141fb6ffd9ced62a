package dev.sluice.core.stream.keyed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.KV;
import dev.sluice.api.SideOutput;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import dev.sluice.core.stream.state.KeyGroupRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyedProcessOperatorTest {

  private static OperatorDriver driver(KeyedProcessFunction<?, ?, ?> fn) {
    return new OperatorDriver(new KeyedProcessOperator(new Op.KeyedProcess(x -> x, fn)));
  }

  /** Scriptable function: commands in the element value, e.g. "event:20", "proc:5", "del-event:20", "set:x", "get". */
  static final class Scripted extends KeyedProcessFunction<Object, String, String> {
    final List<String> calls = new ArrayList<>();
    transient ValueState<String> value;

    @Override
    public void open(InitContext ctx) {
      calls.add("open");
      value = ctx.state(StateSpec.<String>value("value").withTtl(Duration.ofMillis(100)));
    }

    @Override
    public void processElement(String cmd, Context<Object> ctx, Collector<String> out) {
      String[] p = cmd.split(":", 2);
      switch (p[0]) {
        case "event" -> ctx.timers().registerEventTimeTimer(Long.parseLong(p[1]));
        case "proc" -> ctx.timers().registerProcessingTimeTimer(Long.parseLong(p[1]));
        case "del-event" -> ctx.timers().deleteEventTimeTimer(Long.parseLong(p[1]));
        case "del-proc" -> ctx.timers().deleteProcessingTimeTimer(Long.parseLong(p[1]));
        case "set" -> value.update(p[1]);
        case "get" -> out.collect(ctx.currentKey() + "=" + value.value());
        case "side" -> ctx.output(SideOutput.of("side"), ctx.currentKey() + ":" + p[1]);
        case "ts" -> out.collect("ts=" + ctx.timestamp() + " wm=" + ctx.timers().currentWatermark());
        default -> throw new IllegalArgumentException(cmd);
      }
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Object> ctx, Collector<String> out) {
      out.collect(ctx.timeDomain() + " " + ctx.currentKey() + "@" + timestamp + " ts=" + ctx.timestamp()
          + " value=" + value.value());
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  @Test
  void eventTimersFireInOrderWithTheKeySetBeforeTheWatermarkIsForwarded() throws Exception {
    Scripted fn = new Scripted();
    OperatorDriver d = driver(fn)
        .element("b", "set:B", 1).element("b", "event:20", 1)
        .element("a", "set:A", 1).element("a", "event:10", 1).element("a", "event:20", 1)
        .element("a", "event:20", 2) // duplicate: one timer
        .element("c", "event:15", 3).element("c", "del-event:15", 3);
    d.watermark(9);
    assertThat(d.output()).isEmpty();
    assertThat(d.emittedWatermarks()).containsExactly(9L);
    d.watermark(20);
    assertThat(d.output()).containsExactly(
        new Emitted("EVENT_TIME a@10 ts=10 value=A", 10),
        new Emitted("EVENT_TIME b@20 ts=20 value=B", 20),
        new Emitted("EVENT_TIME a@20 ts=20 value=A", 20));
    assertThat(d.emittedWatermarks()).containsExactly(9L, 20L);
    d.watermark(1000);
    assertThat(d.output()).hasSize(3);
  }

  @Test
  void endOfInputFiresRemainingEventTimersButNotProcessingTimers() throws Exception {
    Scripted fn = new Scripted();
    OperatorDriver d = driver(fn).element("a", "event:" + Long.MAX_VALUE, 1).element("a", "event:50", 1)
        .element("a", "proc:10", 1);
    d.watermark(0).endInput(1);
    assertThat(d.values()).containsExactly("EVENT_TIME a@50 ts=50 value=null",
        "EVENT_TIME a@" + Long.MAX_VALUE + " ts=" + Long.MAX_VALUE + " value=null");
    d.close();
    assertThat(fn.calls).containsExactly("open", "close");
  }

  @Test
  void processingTimersFireWhenTheClockReachesThemAndCanBeDeleted() throws Exception {
    Scripted fn = new Scripted();
    OperatorDriver d = driver(fn).element("a", "set:A", 7).element("a", "proc:50", 7).element("a", "proc:50", 7)
        .element("b", "proc:30", 7).element("c", "proc:40", 7).element("c", "del-proc:40", 7);
    d.advanceProcessingTimeTo(29);
    assertThat(d.output()).isEmpty();
    d.advanceProcessingTimeTo(60);
    assertThat(d.output()).containsExactly(
        new Emitted("PROCESSING_TIME b@30 ts=" + Long.MIN_VALUE + " value=null", Long.MIN_VALUE),
        new Emitted("PROCESSING_TIME a@50 ts=" + Long.MIN_VALUE + " value=A", Long.MIN_VALUE));
  }

  @Test
  void contextShowsElementTimestampWatermarkAndSideOutputs() throws Exception {
    OperatorDriver d = driver(new Scripted()).watermark(5).element("a", "ts", 42).element("a", "side:x", 43);
    assertThat(d.output()).containsExactly(new Emitted("ts=42 wm=5", 42));
    assertThat(d.sideOutput("side")).containsExactly(new Emitted("a:x", 43));
  }

  @Test
  void ttlExpiresStateAndTheSweepRemovesIt() throws Exception {
    KeyedProcessOperator op = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new Scripted()));
    OperatorDriver d = new OperatorDriver(op).element("a", "set:A", 0).element("b", "set:B", 0);
    assertThat(d.pendingProcessingTimes()).containsExactly(100L);
    d.advanceProcessingTimeTo(60).element("b", "set:B2", 0);
    d.advanceProcessingTimeTo(99).element("a", "get", 0);
    d.advanceProcessingTimeTo(100); // sweep: a expired, b written at 60 still alive
    assertThat(op.backend().size("value")).isEqualTo(1);
    d.element("a", "get", 0).element("b", "get", 0);
    assertThat(d.values()).containsExactly("a=A", "a=null", "b=B2");
    d.advanceProcessingTimeTo(200);
    assertThat(op.backend().size("value")).isZero();
  }

  @Test
  void stateIsIsolatedPerKey() throws Exception {
    OperatorDriver d = driver(new Scripted());
    for (int i = 0; i < 20; i++) {
      d.element("k" + i, "set:" + i, 0);
    }
    for (int i = 0; i < 20; i++) {
      d.element("k" + i, "get", 0);
    }
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add("k" + i + "=" + i);
    }
    assertThat(d.values()).isEqualTo(expected);
  }

  @Test
  void stateOutsideAKeyIsRefused() {
    KeyedProcessFunction<Object, Object, Object> fn = new KeyedProcessFunction<>() {
      @Override
      public void open(InitContext ctx) {
        ctx.state(StateSpec.value("v")).clear();
      }

      @Override
      public void processElement(Object value, Context<Object> ctx, Collector<Object> out) {}
    };
    assertThatThrownBy(() -> driver(fn).open()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not in open");
  }

  @Test
  void snapshotRestoresIntoTwoPartitionsWithTheirTimers() throws Exception {
    KeyedProcessOperator whole = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new Scripted()));
    OperatorDriver d = new OperatorDriver(whole);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keys.add("k" + i);
      d.element("k" + i, "set:" + i, 0).element("k" + i, "event:" + (100 + i), 0).element("k" + i, "proc:" + (50 + i), 0);
    }
    var snap = whole.snapshotState(KeyGroupRange.all(KeyGroups.DEFAULT_MAX));
    List<Object> out = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      KeyedProcessOperator part = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new Scripted()));
      OperatorDriver pd = new OperatorDriver(part, "kp", p, 2, KeyGroups.DEFAULT_MAX, 0).open();
      part.restoreState(snap);
      pd.advanceProcessingTimeTo(99); // processing timers were restored and asked for
      pd.watermark(200);
      out.addAll(pd.values());
    }
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      // The value (TTL 100 ms, written at 0) is still alive at processing time 50..89.
      expected.add("PROCESSING_TIME k" + i + "@" + (50 + i) + " ts=" + Long.MIN_VALUE + " value=" + i);
      expected.add("EVENT_TIME k" + i + "@" + (100 + i) + " ts=" + (100 + i) + " value=" + i);
    }
    assertThat(out).containsExactlyInAnyOrderElementsOf(expected);
  }

  /** A per-key running sum in event-time order: emits, at each 10 ms bucket end, the sum of values up to it. */
  static final class RunningSum extends KeyedProcessFunction<Object, Long, KV<Object, Long>> {
    transient ValueState<Long> total;
    transient dev.sluice.api.state.MapState<Long, Long> pending;

    @Override
    public void open(InitContext ctx) {
      total = ctx.state(StateSpec.value("total"));
      pending = ctx.state(StateSpec.map("pending"));
    }

    @Override
    public void processElement(Long v, Context<Object> ctx, Collector<KV<Object, Long>> out) {
      long end = bucketEnd(ctx.timestamp());
      Long p = pending.get(end);
      pending.put(end, p == null ? v : p + v);
      ctx.timers().registerEventTimeTimer(end);
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Object> ctx, Collector<KV<Object, Long>> out) {
      Long t = total.value();
      long sum = (t == null ? 0 : t) + pending.get(timestamp);
      pending.remove(timestamp);
      total.update(sum);
      out.collect(KV.of(ctx.currentKey(), sum));
    }

    static long bucketEnd(long ts) {
      return Math.floorDiv(ts, 10) * 10 + 9;
    }
  }

  /**
   * Random out-of-order input within the watermark bound, with a rescale at a random point
   * (snapshot of 1 task restored into 2, input then routed by key group), against a plain-Java
   * reference: for each key and each bucket end T of its elements, the sum of its values with
   * timestamp <= T, stamped T.
   */
  @Test
  void runningSumMatchesReference() throws Exception {
    dev.sluice.core.stream.StreamInputs.forEachSeed(40, 7, KeyedProcessOperatorTest::runningSumCase);
  }

  private static void runningSumCase(long seed) throws Exception {
    java.util.Random r = new java.util.Random(seed);
    int n = 1 + r.nextInt(300);
    long bound = r.nextInt(30);
    var events = dev.sluice.core.stream.StreamInputs.events(r, n, 1, 1 + r.nextInt(12), 500);
    List<dev.sluice.core.stream.StreamInputs.Event> withValues = new ArrayList<>();
    for (var e : events) {
      withValues.add(new dev.sluice.core.stream.StreamInputs.Event(0, e.key(), (long) r.nextInt(100), e.timestamp()));
    }
    var steps = dev.sluice.core.stream.StreamInputs.arrival(r, withValues, bound, 0.3);
    int rescaleAt = r.nextInt(steps.size() + 1);

    List<Emitted> out = new ArrayList<>();
    KeyedProcessOperator first = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new RunningSum()));
    OperatorDriver single = new OperatorDriver(first).open();
    OperatorDriver[] parts = null;
    for (int i = 0; i < steps.size(); i++) {
      if (i == rescaleAt) {
        parts = rescale(first, single);
      }
      var s = steps.get(i);
      if (parts == null) {
        push(single, s);
      } else if (s.event() == null) {
        push(parts[0], s);
        push(parts[1], s);
      } else {
        push(parts[KeyGroups.partitionOfKey(s.event().key(), KeyGroups.DEFAULT_MAX, 2)], s);
      }
    }
    if (parts == null) {
      single.endInput(1);
      out.addAll(single.output());
    } else {
      out.addAll(single.output());
      for (OperatorDriver p : parts) {
        p.endInput(1);
        out.addAll(p.output());
      }
    }

    java.util.Map<Object, java.util.TreeMap<Long, Long>> perKey = new java.util.HashMap<>();
    for (var e : withValues) {
      perKey.computeIfAbsent(e.key(), k -> new java.util.TreeMap<>())
          .merge(RunningSum.bucketEnd(e.timestamp()), (Long) e.value(), Long::sum);
    }
    List<Emitted> expected = new ArrayList<>();
    perKey.forEach((k, buckets) -> {
      long sum = 0;
      for (var b : buckets.entrySet()) {
        sum += b.getValue();
        expected.add(new Emitted(KV.of(k, sum), b.getKey()));
      }
    });
    assertThat(out).containsExactlyInAnyOrderElementsOf(expected);
    // Each key's results come in event-time order.
    java.util.Map<Object, Long> last = new java.util.HashMap<>();
    for (Emitted e : out) {
      Object k = ((KV<?, ?>) e.value()).key();
      assertThat(e.timestamp()).isGreaterThan(last.getOrDefault(k, Long.MIN_VALUE));
      last.put(k, e.timestamp());
    }
  }

  private static OperatorDriver[] rescale(KeyedProcessOperator from, OperatorDriver fromDriver) throws Exception {
    var snap = from.snapshotState(KeyGroupRange.all(KeyGroups.DEFAULT_MAX));
    long wm = fromDriver.emittedWatermarks().isEmpty() ? Long.MIN_VALUE
        : fromDriver.emittedWatermarks().get(fromDriver.emittedWatermarks().size() - 1);
    OperatorDriver[] parts = new OperatorDriver[2];
    for (int p = 0; p < 2; p++) {
      KeyedProcessOperator op = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new RunningSum()));
      parts[p] = new OperatorDriver(op, "sum", p, 2, KeyGroups.DEFAULT_MAX, 0).open();
      op.restoreState(snap);
      if (wm != Long.MIN_VALUE) {
        parts[p].watermark(wm);
      }
    }
    return parts;
  }

  private static void push(OperatorDriver d, dev.sluice.core.stream.StreamInputs.Step s) throws Exception {
    if (s.event() == null) {
      d.watermark(s.watermark());
    } else {
      d.element(0, s.event().key(), s.event().value(), s.event().timestamp());
    }
  }
}
