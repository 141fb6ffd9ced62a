package dev.sluice.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Aggregations;
import dev.sluice.api.SideOutput;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.function.ProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.WindowFunction;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.core.stream.SnapshotRescale.Routing;
import dev.sluice.core.stream.SnapshotRescale.Step;
import dev.sluice.core.stream.join.EnrichOperator;
import dev.sluice.core.stream.join.IntervalJoinOperator;
import dev.sluice.core.stream.join.WindowJoinOperator;
import dev.sluice.core.stream.keyed.KeyedProcessOperator;
import dev.sluice.core.stream.keyed.ProcessOperator;
import dev.sluice.core.stream.window.WindowOperator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint and rescale properties of every stateful stream operator: a random keyed, timestamped
 * input with watermarks (and processing-time advances) runs through {@code p_old} tasks, all are
 * snapshotted at a random point, the snapshots go through the Serde (read back by a fresh one), are
 * restored into {@code p_new} fresh tasks ({@code p_old, p_new in 1..4}), the rest of the input
 * follows; the output before and after (main, late side output, dropped late elements) must be the
 * multiset, timestamps included, of one uninterrupted run. Every other run serializes the
 * snapshots only after the old tasks have processed the rest of the input (a snapshot must share
 * no mutable object with the live state). A second mode snapshots and restores
 * (at a random parallelism) before every step. Seeds are in the messages; rerun a base seed with
 * {@code -Dsluice.test.seed=<n>}.
 */
class OperatorSnapshotPropertyTest {
  private static final long BASE = Long.getLong("sluice.test.seed", 20261130L);
  private static final int RUNS = 24;

  // ---- the driver of every case ----

  /**
   * {@code RUNS} seeds: one snapshot at a random point from {@code p_old} to {@code p_new} tasks,
   * and a snapshot-and-rescale before every step, both against an uninterrupted run. With
   * {@code sameParallelism} (early firings, whose timing is per task) p_new = p_old and the
   * reference runs at p_old too.
   */
  private static void check(String name, Supplier<StreamOperator> factory, Routing routing, int inputs,
      java.util.function.Function<Random, List<Step>> input, boolean sameParallelism) throws Exception {
    for (int run = 0; run < RUNS; run++) {
      long seed = BASE + name.hashCode() * 31L + run;
      Random r = new Random(seed);
      List<Step> steps = input.apply(r);
      int pOld = 1 + r.nextInt(4);
      int pNew = sameParallelism ? pOld : 1 + r.nextInt(4);
      int cut = r.nextInt(steps.size() + 1);
      List<String> expected = SnapshotRescale.reference(factory, routing, inputs, steps, sameParallelism ? pOld : 1);
      SortedMap<Integer, Integer> cuts = new TreeMap<>();
      cuts.put(cut, pNew);
      boolean late = run % 2 == 1;
      List<String> actual = SnapshotRescale.run(factory, routing, inputs, steps, pOld, cuts, late);
      assertThat(actual).as("%s, seed %d: %d steps, snapshot before step %d, p %d -> %d%s", name, seed, steps.size(),
          cut, pOld, pNew, late ? ", serialized after the old tasks went on" : "").isEqualTo(expected);
      if (run % 3 == 0) {
        SortedMap<Integer, Integer> every = SnapshotRescale.everyStep(r, steps.size());
        if (sameParallelism) {
          every.replaceAll((k, v) -> pOld);
        }
        List<String> actualEvery = SnapshotRescale.run(factory, routing, inputs, steps, pOld, every);
        assertThat(actualEvery).as("%s, seed %d: snapshot and restore before every one of %d steps", name, seed,
            steps.size()).isEqualTo(expected);
      }
      assertThat(expected).as("%s, seed %d: the case emits something", name, seed).isNotEmpty();
    }
  }

  private static java.util.function.Function<Random, List<Step>> steps(int inputs, int keys, boolean processingTime) {
    return r -> SnapshotRescale.randomSteps(r, 120 + r.nextInt(120), inputs, keys, 1 + r.nextInt(80), 0.05, processingTime);
  }

  @Test
  void aSnapshotIsRefusedAtAnotherNumberOfKeyGroupsAndReadByAFreshSerde() throws Exception {
    Supplier<StreamOperator> f = window(Windows.tumbling(Duration.ofMillis(10)), null, 0, Aggregations.count());
    OperatorDriver old = new OperatorDriver(f.get(), "w", 0, 1, 64, 0);
    old.element("k", "v1", 3);
    Object snap = old.snapshot(1);
    // Written by one Serde, read by a fresh one (a restarted job): the snapshot records are allowed.
    dev.sluice.core.codec.Serde writer = new dev.sluice.core.codec.Serde(java.util.Map.of(), java.util.Set.of());
    Object copy = new dev.sluice.core.codec.Serde(java.util.Map.of(), java.util.Set.of()).fromBytes(writer.toBytes(snap));
    StreamOperator fresh = f.get();
    new OperatorDriver(fresh, "w", 0, 1, 128, 0).open();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> fresh.restoreState(List.of(copy)))
        .hasMessageContaining("taken with 64 key groups into a job of 128");
    OperatorDriver same = new OperatorDriver(f.get(), "w", 0, 1, 64, 0).open();
    same.operator().restoreState(List.of(copy));
    same.watermark(9);
    assertThat(same.values()).containsExactly(new Windowed<>("k", new dev.sluice.api.window.Window(0, 10), 1L));
  }

  // ---- windows ----

  static Supplier<StreamOperator> window(WindowSpec spec, Trigger trigger, long lateness, Aggregation<?, ?, ?> agg) {
    return () -> new WindowOperator(new Op.Window(null, spec, trigger, lateness, "late", agg, null));
  }

  static Supplier<StreamOperator> windowFn(WindowSpec spec, Trigger trigger, long lateness) {
    WindowFunction<Object, Object, Object> fn = (key, w, elements, out) -> {
      List<String> values = new ArrayList<>();
      elements.forEach(e -> values.add((String) e));
      Collections.sort(values);
      out.collect(new Windowed<>(key, w, String.join(",", values)));
    };
    return () -> new WindowOperator(new Op.Window(null, spec, trigger, lateness, "late", null, fn));
  }

  static Aggregation<Object, long[], Long> sumOfDigits() {
    return Aggregations.sumLong(v -> Long.parseLong(((String) v).substring(1)));
  }

  static Aggregation<Object, long[], Long> sumNoCombine() {
    return Aggregations.of("sum", () -> new long[1],
        (long[] a, Object v) -> { a[0] += Long.parseLong(((String) v).substring(1)); return a; }, null, a -> a[0]);
  }

  @Test
  void tumblingCountOnPanes() throws Exception {
    check("tumbling count", window(Windows.tumbling(Duration.ofMillis(100)), null, 0, Aggregations.count()),
        Routing.KEYED, 1, steps(1, 7, false), false);
  }

  @Test
  void slidingDeductWithLatenessOnPanes() throws Exception {
    // sumLong deducts: the running accumulator is part of the snapshot.
    check("sliding deduct", window(Windows.sliding(Duration.ofMillis(120), Duration.ofMillis(40)), null, 60,
        sumOfDigits()), Routing.KEYED, 1, steps(1, 5, false), false);
  }

  @Test
  void slidingAverageCombinesPanes() throws Exception {
    check("sliding average", window(Windows.sliding(Duration.ofMillis(90), Duration.ofMillis(30)), null, 25,
        Aggregations.average(v -> Double.parseDouble(((String) v).substring(1)) / 7)), Routing.KEYED, 1,
        steps(1, 6, false), false);
  }

  @Test
  void slidingWithoutCombineOnGenericWindows() throws Exception {
    check("sliding no combine", window(Windows.sliding(Duration.ofMillis(100), Duration.ofMillis(50)), null, 30,
        sumNoCombine()), Routing.KEYED, 1, steps(1, 6, false), false);
  }

  @Test
  void tumblingWindowFunctionOnPanes() throws Exception {
    check("tumbling function", windowFn(Windows.tumbling(Duration.ofMillis(80)), null, 40), Routing.KEYED, 1,
        steps(1, 5, false), false);
  }

  @Test
  void sessionsWithAggregationAndFunction() throws Exception {
    check("session count", window(Windows.session(Duration.ofMillis(30)), null, 20, Aggregations.count()),
        Routing.KEYED, 1, steps(1, 6, false), false);
    check("session function", windowFn(Windows.session(Duration.ofMillis(25)), null, 0), Routing.KEYED, 1,
        steps(1, 4, false), false);
  }

  @Test
  void countTriggers() throws Exception {
    check("tumbling count trigger", window(Windows.tumbling(Duration.ofMillis(150)), Trigger.count(3), 50,
        sumOfDigits()), Routing.KEYED, 1, steps(1, 5, false), false);
    check("global count trigger", window(Windows.global(), Trigger.count(4), 0, Aggregations.count()),
        Routing.KEYED, 1, steps(1, 5, false), false);
  }

  @Test
  void earlyFirings() throws Exception {
    // Early firings are timed per task (the first change starts the interval), so the reference runs
    // at the same parallelism.
    check("early tumbling", window(Windows.tumbling(Duration.ofMillis(200)),
        Trigger.earlyEvery(Duration.ofMillis(50)), 0, Aggregations.count()), Routing.KEYED, 1, steps(1, 5, true), true);
    check("early session", windowFn(Windows.session(Duration.ofMillis(40)),
        Trigger.earlyEvery(Duration.ofMillis(70)), 10), Routing.KEYED, 1, steps(1, 4, true), true);
  }

  @Test
  void processingTimeWindows() throws Exception {
    check("processing-time tumbling", window(Windows.tumbling(Duration.ofMillis(100)).inProcessingTime(), null, 0,
        Aggregations.count()), Routing.KEYED, 1, steps(1, 5, true), false);
    check("processing-time sliding", window(Windows.sliding(Duration.ofMillis(100), Duration.ofMillis(25))
        .inProcessingTime(), null, 0, sumOfDigits()), Routing.KEYED, 1, steps(1, 5, true), false);
    check("processing-time session", window(Windows.session(Duration.ofMillis(40)).inProcessingTime(), null, 0,
        sumNoCombine()), Routing.KEYED, 1, steps(1, 5, true), false);
  }

  // ---- keyed process ----

  /** Uses value, list, map and aggregating state, event-time and processing-time timers, a side output. */
  static final class Tracker extends KeyedProcessFunction<Object, Object, Object> {
    static final StateSpec<ValueState<Long>> COUNT = StateSpec.value("count");
    static final StateSpec<ListState<String>> SEEN = StateSpec.list("seen");
    static final StateSpec<MapState<String, Long>> FIRST = StateSpec.map("first");
    static final StateSpec<AggregatingState<Object, Long>> N = StateSpec.aggregating("n", Aggregations.count());
    static final SideOutput<String> SIDE = SideOutput.of("side");
    private transient ValueState<Long> count;
    private transient ListState<String> seen;
    private transient MapState<String, Long> first;
    private transient AggregatingState<Object, Long> n;

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(COUNT);
      seen = ctx.state(SEEN);
      first = ctx.state(FIRST);
      n = ctx.state(N);
    }

    @Override
    public void processElement(Object value, Context<Object> ctx, Collector<Object> out) throws Exception {
      long c = count.value() == null ? 1 : count.value() + 1;
      count.update(c);
      seen.add((String) value);
      n.add(value);
      String bucket = "b" + Math.floorMod(ctx.timestamp(), 3);
      if (!first.contains(bucket)) {
        first.put(bucket, ctx.timestamp());
      }
      if (c % 3 == 0) {
        ctx.timers().registerEventTimeTimer(ctx.timestamp() + 50);
      }
      if (c % 4 == 1) {
        ctx.timers().registerProcessingTimeTimer(ctx.timers().currentProcessingTime() + 70);
      }
      if (c % 5 == 0) {
        ctx.output(SIDE, ctx.currentKey() + " five " + value);
      }
      out.collect(ctx.currentKey() + " " + value + " #" + c + " wm " + ctx.timers().currentWatermark());
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Object> ctx, Collector<Object> out) throws Exception {
      List<String> s = new ArrayList<>();
      seen.get().forEach(s::add);
      out.collect(ctx.currentKey() + " timer " + ctx.timeDomain() + " " + timestamp + " seen " + s + " n " + n.get()
          + " first " + new TreeMap<>(toMap(first)));
      if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
        seen.clear();
      }
    }

    private static java.util.Map<String, Long> toMap(MapState<String, Long> m) throws Exception {
      java.util.Map<String, Long> out = new java.util.HashMap<>();
      for (java.util.Map.Entry<String, Long> e : m.entries()) {
        out.put(e.getKey(), e.getValue());
      }
      return out;
    }
  }

  @Test
  void keyedProcessStateAndTimers() throws Exception {
    check("keyed process", () -> new KeyedProcessOperator(new Op.KeyedProcess(null, new Tracker())), Routing.KEYED, 1,
        steps(1, 6, true), false);
  }

  // ---- process ----

  static final class Stamp extends ProcessFunction<Object, Object> {
    @Override
    public void processElement(Object value, Context ctx, Collector<Object> out) {
      out.collect(value + " wm " + ctx.currentWatermark());
    }
  }

  @Test
  void processKeepsItsWatermark() throws Exception {
    check("process", () -> new ProcessOperator(new Op.Process(new Stamp())), Routing.FORWARD, 1, steps(1, 5, false),
        false);
  }

  // ---- joins ----

  static Supplier<StreamOperator> windowJoin(WindowSpec spec) {
    return () -> new WindowJoinOperator(new Op.WindowJoin(null, null, spec));
  }

  @Test
  void windowJoins() throws Exception {
    check("window join tumbling", windowJoin(Windows.tumbling(Duration.ofMillis(100))), Routing.KEYED, 2,
        steps(2, 6, false), false);
    check("window join sliding", windowJoin(Windows.sliding(Duration.ofMillis(90), Duration.ofMillis(30))),
        Routing.KEYED, 2, steps(2, 6, false), false);
    check("window join session", windowJoin(Windows.session(Duration.ofMillis(30))), Routing.KEYED, 2,
        steps(2, 5, false), false);
    check("window join global", windowJoin(Windows.global()), Routing.KEYED, 2, steps(2, 8, false), false);
    check("window join processing time", windowJoin(Windows.tumbling(Duration.ofMillis(60)).inProcessingTime()),
        Routing.KEYED, 2, steps(2, 5, true), false);
  }

  @Test
  void intervalJoins() throws Exception {
    check("interval join", () -> new IntervalJoinOperator(new Op.IntervalJoin(null, null, -40, 60)), Routing.KEYED, 2,
        steps(2, 6, false), false);
    check("interval join shifted", () -> new IntervalJoinOperator(new Op.IntervalJoin(null, null, 10, 90)),
        Routing.KEYED, 2, steps(2, 6, false), false);
  }

  // ---- enrich ----

  /** Table rows (input 1) only before the table's end, which comes at a random step. */
  static List<Step> enrichSteps(Random r) {
    List<Step> raw = SnapshotRescale.randomSteps(r, 100 + r.nextInt(100), 2, 8, 30, 0.0, false);
    int end = r.nextInt(raw.size() + 1);
    List<Step> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      if (i == end) {
        out.add(SnapshotRescale.Step.endInput(1));
      }
      Step s = raw.get(i);
      if (s.kind() == Step.Kind.ELEMENT && s.input() == 1 && (i >= end || "k7".equals(s.key()))) {
        continue; // no rows after the end, and none for k7 (elements without a row)
      }
      out.add(s);
    }
    return out;
  }

  @Test
  void enrichTableAndWaitingElements() throws Exception {
    check("enrich", () -> new EnrichOperator(new Op.Enrich(null, null)), Routing.FORWARD_AND_BROADCAST, 2,
        OperatorSnapshotPropertyTest::enrichSteps, false);
  }
}
