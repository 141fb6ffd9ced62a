package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.Dataset;
import dev.sluice.api.JobResult;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.SideOutput;
import dev.sluice.api.Timestamped;
import dev.sluice.api.WindowedDataset;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.function.ProcessFunction;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.core.stream.window.WindowReference;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End-to-end properties of event time through the real streaming runtime ({@code Pipeline.run} with
 * {@link RunOptions#streaming()}): random keyed, timestamped inputs spread over several source splits
 * (so watermarks are merged as the minimum over inputs, across hash exchanges by key group), arriving
 * out of order within the watermark bound, must give exactly the answer of a plain-Java reference
 * model, at parallelism 1, 2 and 4: window aggregations (tumbling, sliding, session; count, sumLong,
 * reduce, a window function), late data (side output or {@code lateDropped}), a keyed process function
 * with value state and event-time timers, interval and window joins, and enrich. The operators alone
 * are property-tested with {@code OperatorDriver}; here the runtime's event time is under test.
 *
 * <p>Results are compared as sorted strings {@code key|window|value@timestamp}; the timestamp is the one
 * the result record carries downstream (read by a {@link ProcessFunction}). Each case's seed and
 * parallelism are in its name and in every assertion message: rerun one case by calling its test
 * method with them; {@code -Dsluice.test.seed=<base>} draws a different set of cases. That the batch
 * operators (aggregate, join, sort, distinct) give the same result in streaming and batch mode is
 * checked by {@link PipelinePropertyTest}, which runs its random pipelines in both; not again here.
 *
 * <p>Lateness is deterministic only where arrival order is: inputs here never break their split's
 * watermark bound (each element is at most {@code bound} behind the largest timestamp before it in its
 * split), so no element is late however splits interleave; the late-data property uses one split with
 * explicit watermarks, and the window operator behind it runs at the given parallelism.
 */
class EventTimePipelinePropertyTest {
  private static final long BASE = Long.getLong("sluice.test.seed", 20261201L);
  private static final int CASES_PER_PARALLELISM = 12;
  /** Cases of the late-data property that actually had late elements / updates within lateness. */
  private static final AtomicInteger LATE_SEEN = new AtomicInteger();
  private static final AtomicInteger UPDATES_SEEN = new AtomicInteger();
  private static final AtomicInteger LATE_CASES = new AtomicInteger();

  /** The input element: a key, an event time and a value unique within a case (it identifies the element). */
  record Ev(int key, long ts, long value) implements Serializable {}

  enum Agg { COUNT, SUM, REDUCE, PROCESS }

  static Stream<Arguments> cases(int property) {
    List<Arguments> out = new ArrayList<>();
    for (int p : new int[] {1, 2, 4}) {
      for (int i = 0; i < CASES_PER_PARALLELISM; i++) {
        out.add(Arguments.of(BASE * 1_000_003L + property * 100_000L + p * 1000L + i, p));
      }
    }
    return out.stream();
  }

  static Stream<Arguments> windowCases() { return cases(1); }
  static Stream<Arguments> lateCases() { return cases(2); }
  static Stream<Arguments> batchCases() { return cases(3); }
  static Stream<Arguments> processCases() { return cases(4); }
  static Stream<Arguments> joinCases() { return cases(5); }
  static Stream<Arguments> enrichCases() { return cases(6); }

  @AfterAll
  static void lateDataWasReallyExercised() {
    if (LATE_CASES.get() == 3 * CASES_PER_PARALLELISM) {
      assertThat(LATE_SEEN.get()).as("late elements over all late-data cases").isGreaterThan(20);
      assertThat(UPDATES_SEEN.get()).as("updates within allowed lateness over all late-data cases").isGreaterThan(5);
    }
  }

  // ---------------------------------------------------------------- 1. windows, out of order within the bound

  @ParameterizedTest(name = "seed={0} parallelism={1}")
  @MethodSource("windowCases")
  void windowAggregationsMatchTheReferenceOutOfOrderAndInOrder(long seed, int parallelism) {
    Random rnd = new Random(seed);
    WindowSpec spec = randomSpec(rnd);
    Agg agg = Agg.values()[rnd.nextInt(Agg.values().length)];
    List<Ev> elems = randomElements(rnd, 400, 6, 2000);
    int bound = rnd.nextInt(50);
    int splits = 2 + rnd.nextInt(3);
    boolean assignDownstream = rnd.nextBoolean();
    boolean union = rnd.nextInt(3) == 0;
    int chunk = 1 + rnd.nextInt(16);
    String what = "seed " + seed + " (parallelism " + parallelism + ", " + splits + " splits" + (union ? " x 2 unioned" : "")
        + ", bound " + bound + ", timestamps " + (assignDownstream ? "assigned downstream" : "from the source")
        + ", chunk " + chunk + "): " + spec + " " + agg;
    List<String> expected = windowReference(spec, agg, elems);

    List<Ev> arrival = disorder(rnd, elems, bound);
    WatermarkStrategy<Ev> strategy = WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(bound));
    Pipeline p = Pipeline.create("windows");
    Dataset<Ev> in;
    if (union) {
      // A second source with its own splits and watermarks: the union's watermark is the minimum of both.
      List<Ev> first = new ArrayList<>();
      List<Ev> second = new ArrayList<>();
      for (Ev e : arrival) {
        (rnd.nextBoolean() ? first : second).add(e);
      }
      in = read(p, ScriptedSplitSource.spread(timestamped(first), splits, rnd), !assignDownstream, strategy, chunk)
          .union(read(p, ScriptedSplitSource.spread(timestamped(second), 1 + rnd.nextInt(3), rnd), true, strategy, chunk));
    } else {
      in = read(p, ScriptedSplitSource.spread(timestamped(arrival), splits, rnd), !assignDownstream, strategy, chunk);
    }
    Result got = run(stamped(windowed(in, spec, agg)), RunOptions.streaming().withParallelism(parallelism));
    assertRecords(what + ", out of order", got.records, expected);
    assertThat(got.lateDropped()).as(what + ": late-dropped").isZero();

    // In order per split, with watermarks declared by the source itself (SourceOutput.emitWatermark).
    Pipeline q = Pipeline.create("windows-in-order");
    List<List<Object>> scripts = withSourceWatermarks(ScriptedSplitSource.spread(timestamped(elems), splits, rnd), rnd);
    Result inOrder = run(stamped(windowed(read(q, scripts, true, null, chunk), spec, agg)),
        RunOptions.streaming().withParallelism(parallelism));
    assertRecords(what + ", in order", inOrder.records, expected);
  }

  // ---------------------------------------------------------------- 2. late elements

  @ParameterizedTest(name = "seed={0} parallelism={1}")
  @MethodSource("lateCases")
  void lateElementsGoToTheSideOutputOnlyOrAreCountedAsDropped(long seed, int parallelism) {
    Random rnd = new Random(seed);
    WindowSpec spec = randomSpec(rnd);
    Agg agg = Agg.values()[rnd.nextInt(Agg.values().length)];
    long lateness = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(60);
    int bound = rnd.nextInt(20);
    boolean tagged = rnd.nextBoolean();
    List<Ev> elems = randomElements(rnd, 300, 5, 1500);
    List<long[]> order = new ArrayList<>();
    for (int i = 0; i < elems.size(); i++) {
      int delay = rnd.nextInt(100) < 15 ? rnd.nextInt(600) : rnd.nextInt(bound + 1);
      order.add(new long[] {elems.get(i).ts() + delay, i});
    }
    order.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
    // One split, so that which elements are late does not depend on how splits interleave; the window
    // operator still runs at the given parallelism behind a hash exchange.
    List<Object> script = new ArrayList<>();
    WindowSimulation sim = new WindowSimulation(spec, lateness, agg);
    long maxSeen = Long.MIN_VALUE;
    long last = Long.MIN_VALUE;
    for (long[] o : order) {
      Ev e = elems.get((int) o[1]);
      script.add(Timestamped.of(e, e.ts()));
      sim.element(e);
      maxSeen = Math.max(maxSeen, e.ts());
      if (rnd.nextInt(10) < 4 && maxSeen - bound > last) {
        last = maxSeen - bound;
        script.add(new ScriptedSplitSource.Watermark(last));
        sim.watermark(last);
      }
    }
    sim.watermark(Long.MAX_VALUE - 1_000_000);
    Collections.sort(sim.out);
    String what = "seed " + seed + " (parallelism " + parallelism + ", lateness " + lateness + ", bound " + bound
        + (tagged ? ", late to side output" : ", no late tag") + "): " + spec + " " + agg;

    Pipeline p = Pipeline.create("late");
    SideOutput<Ev> tag = SideOutput.of("late");
    WindowedDataset<Integer, Ev> w = read(p, List.of(script), true, null, 1 + rnd.nextInt(16))
        .keyBy(Ev::key).window(spec).allowedLateness(Duration.ofMillis(lateness));
    if (tagged) {
      w = w.lateElementsTo(tag);
    }
    Dataset<?> windows = aggregate(w, agg).named("win");
    CollectSink<String> main = new CollectSink<>();
    CollectSink<Ev> side = new CollectSink<>();
    stamped(windows).write(main);
    if (tagged) {
      windows.sideOutput(tag).write(side);
    }
    JobResult result = p.run(RunOptions.streaming().withParallelism(parallelism));
    assertRecords(what + ": main output", sorted(main.result()), sim.out);
    assertThat(result.operator("win").lateDropped()).as(what + ": late-dropped").isEqualTo(tagged ? 0 : sim.late.size());
    if (tagged) {
      assertThat(side.result()).as(what + ": side output").containsExactlyInAnyOrderElementsOf(sim.late);
    }
    LATE_CASES.incrementAndGet();
    LATE_SEEN.addAndGet(sim.late.size());
    UPDATES_SEEN.addAndGet(sim.out.size() - (int) sim.out.stream().map(s -> s.substring(0, s.indexOf(')'))).distinct().count());
  }

  // ---------------------------------------------------------------- 3. batch vs streaming

  /**
   * An event-time pipeline gives the same result with {@link RunOptions#batch()} and
   * {@link RunOptions#streaming()}, and tumbling/sliding window aggregates equal the batch runtime's
   * keyed aggregation over each element's assigned windows.
   */
  @ParameterizedTest(name = "seed={0} parallelism={1}")
  @MethodSource("batchCases")
  void eventTimePipelinesAgreeInBatchAndStreamingModeAndWithBatchAggregation(long seed, int parallelism) {
    Random rnd = new Random(seed);
    WindowSpec spec = randomSpec(rnd);
    boolean count = rnd.nextBoolean();
    Agg agg = count ? Agg.COUNT : Agg.SUM;
    List<Ev> elems = randomElements(rnd, 400, 6, 2000);
    int bound = rnd.nextInt(50);
    List<Ev> arrival = disorder(rnd, elems, bound);
    List<List<Object>> scripts = ScriptedSplitSource.spread(timestamped(arrival), 2 + rnd.nextInt(3), rnd);
    String what = "seed " + seed + " (parallelism " + parallelism + ", bound " + bound + "): " + spec + " " + agg;
    WatermarkStrategy<Ev> strategy = WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(bound));

    // A window, then a batch aggregation of its results (total per key): streaming ops and batch ops mixed.
    List<String> byMode = new ArrayList<>();
    for (RunOptions options : new RunOptions[] {RunOptions.batch(), RunOptions.streaming()}) {
      Pipeline p = Pipeline.create("modes");
      Dataset<Ev> in = read(p, scripts, true, strategy, 8);
      Dataset<String> windows = stamped(windowed(in, spec, agg));
      Dataset<String> totals = windowed(in, spec, agg)
          .map(x -> (Windowed<?, ?>) x)
          .keyBy(x -> (Integer) x.key()).sum(x -> (Long) x.value())
          .map(kv -> "total " + kv.key() + "=" + kv.value());
      Result r = run(windows.union(totals), options.withParallelism(parallelism));
      byMode.add(String.join("\n", r.records));
    }
    assertRecords(what + ": batch() vs streaming()", List.of(byMode.get(0).split("\n")), List.of(byMode.get(1).split("\n")));

    if (spec.kind() != WindowSpec.Kind.SESSION) {
      List<String> windowsOnly = new ArrayList<>();
      for (String s : byMode.get(1).split("\n")) {
        if (!s.startsWith("total ")) {
          windowsOnly.add(s);
        }
      }
      // The same numbers from the batch runtime, with windows assigned by a flatMap (no event time at all).
      List<KV<String, Long>> batch = Pipeline.create("batch-windows").fromCollection(elems)
          .flatMap((Ev e, Collector<KV<String, Long>> out) -> {
            for (Window win : windowsOf(spec, e.ts())) {
              out.collect(new KV<>(e.key() + "|" + win + "|@" + win.maxTimestamp(), count ? 1L : e.value()));
            }
          })
          .keyBy(KV::key).sum(KV::value)
          .collect(RunOptions.batch().withParallelism(parallelism));
      List<String> fromBatch = new ArrayList<>();
      for (KV<String, Long> kv : batch) {
        String k = kv.key();
        int at = k.lastIndexOf("|@");
        fromBatch.add(k.substring(0, at) + "|" + kv.value() + "@" + k.substring(at + 2));
      }
      assertRecords(what + ": streaming windows vs batch runtime aggregation", windowsOnly, sorted(fromBatch));
    }
  }

  // ---------------------------------------------------------------- 4. keyed process function, joins, enrich

  /**
   * Per key, each element at {@code ts} registers an event-time timer at {@code ts + 10}; the timer at
   * {@code t} moves the buffered values with timestamps {@code <= t - 10} into the key's running total
   * (value state) and emits it. Every value with such a timestamp has arrived when the watermark reaches
   * {@code t} (nothing is late), so the output does not depend on arrival order. An element that finds
   * the operator's watermark at or past its timestamp is reported: the merged watermark broke a promise.
   */
  static final class TimedSums extends KeyedProcessFunction<Integer, Ev, String> {
    private transient ValueState<TreeMap<Long, Long>> pending;
    private transient ValueState<Long> total;

    @Override
    public void open(InitContext ctx) {
      pending = ctx.state(StateSpec.value("pending"));
      total = ctx.state(StateSpec.value("total"));
    }

    @Override
    public void processElement(Ev e, Context<Integer> ctx, Collector<String> out) throws Exception {
      long wm = ctx.timers().currentWatermark();
      if (ctx.timestamp() != e.ts() || e.ts() <= wm) {
        out.collect("BROKEN " + e + " timestamp " + ctx.timestamp() + " watermark " + wm);
      }
      TreeMap<Long, Long> m = pending.value();
      if (m == null) {
        m = new TreeMap<>();
      }
      m.merge(e.ts(), e.value(), Long::sum);
      pending.update(m);
      ctx.timers().registerEventTimeTimer(e.ts() + 10);
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Integer> ctx, Collector<String> out) throws Exception {
      TreeMap<Long, Long> m = pending.value();
      long sum = total.value() == null ? 0 : total.value();
      Map<Long, Long> due = m.headMap(timestamp - 10, true);
      for (long v : due.values()) {
        sum += v;
      }
      due.clear();
      total.update(sum);
      pending.update(m.isEmpty() ? null : m);
      out.collect(ctx.currentKey() + "|" + sum);
    }
  }

  @ParameterizedTest(name = "seed={0} parallelism={1}")
  @MethodSource("processCases")
  void keyedProcessFunctionWithValueStateAndEventTimeTimersMatchesTheReference(long seed, int parallelism) {
    Random rnd = new Random(seed);
    List<Ev> elems = randomElements(rnd, 500, 8, 1500);
    int bound = rnd.nextInt(40);
    int splits = 2 + rnd.nextInt(3);
    String what = "seed " + seed + " (parallelism " + parallelism + ", " + splits + " splits, bound " + bound + ")";
    List<String> expected = new ArrayList<>();
    Map<Integer, TreeMap<Long, Long>> byKey = new TreeMap<>();
    for (Ev e : elems) {
      byKey.computeIfAbsent(e.key(), k -> new TreeMap<>()).merge(e.ts(), e.value(), Long::sum);
    }
    byKey.forEach((key, m) -> {
      long sum = 0;
      for (Map.Entry<Long, Long> en : m.entrySet()) {
        sum += en.getValue();
        expected.add(key + "|" + sum + "@" + (en.getKey() + 10));
      }
    });
    Collections.sort(expected);

    Pipeline p = Pipeline.create("timers");
    Dataset<Ev> in = read(p, ScriptedSplitSource.spread(timestamped(disorder(rnd, elems, bound)), splits, rnd),
        rnd.nextBoolean(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(bound)), 1 + rnd.nextInt(16));
    Result got = run(stamped(in.keyBy(Ev::key).process(new TimedSums())), RunOptions.streaming().withParallelism(parallelism));
    assertRecords(what, got.records, expected);
  }

  @ParameterizedTest(name = "seed={0} parallelism={1}")
  @MethodSource("joinCases")
  void intervalAndWindowJoinsMatchNestedLoopReferences(long seed, int parallelism) {
    Random rnd = new Random(seed);
    int keys = 1 + rnd.nextInt(6);
    List<Ev> left = randomElements(rnd, 150, keys, 1000);
    List<Ev> right = new ArrayList<>();
    for (Ev e : randomElements(rnd, 150, keys, 1000)) {
      right.add(new Ev(e.key(), e.ts(), -e.value()));
    }
    int bound = rnd.nextInt(40);
    int boundRight = rnd.nextInt(40);
    long lower = rnd.nextInt(60) - 40;
    long upper = lower + rnd.nextInt(60);
    WindowSpec spec = randomSpec(rnd);
    String what = "seed " + seed + " (parallelism " + parallelism + ", bounds " + bound + "/" + boundRight + ")";

    List<String> intervalExpected = new ArrayList<>();
    for (Ev l : left) {
      for (Ev r : right) {
        if (l.key() == r.key() && l.ts() + lower <= r.ts() && r.ts() <= l.ts() + upper) {
          intervalExpected.add(l.key() + "|" + l + "/" + r + "@" + Math.max(l.ts(), r.ts()));
        }
      }
    }
    Collections.sort(intervalExpected);
    List<String> windowExpected = windowJoinReference(spec, left, right);

    for (int which = 0; which < 2; which++) {
      Pipeline p = Pipeline.create("joins");
      var l = read(p, ScriptedSplitSource.spread(timestamped(disorder(rnd, left, bound)), 1 + rnd.nextInt(3), rnd),
          rnd.nextBoolean(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(bound)), 1 + rnd.nextInt(16))
          .keyBy(Ev::key);
      var r = read(p, ScriptedSplitSource.spread(timestamped(disorder(rnd, right, boundRight)), 1 + rnd.nextInt(3), rnd),
          rnd.nextBoolean(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(boundRight)), 1 + rnd.nextInt(16))
          .keyBy(Ev::key);
      RunOptions options = RunOptions.streaming().withParallelism(parallelism);
      if (which == 0) {
        Result got = run(stamped(l.intervalJoin(r, Duration.ofMillis(lower), Duration.ofMillis(upper))), options);
        assertRecords(what + ": interval join [" + lower + ", " + upper + "]", got.records, intervalExpected);
        assertThat(got.lateDropped()).as(what + ": interval join late-dropped").isZero();
      } else {
        Result got = run(stamped(l.windowJoin(r, spec)), options);
        assertRecords(what + ": window join " + spec, got.records, windowExpected);
        assertThat(got.lateDropped()).as(what + ": window join late-dropped").isZero();
      }
    }
  }

  @ParameterizedTest(name = "seed={0} parallelism={1}")
  @MethodSource("enrichCases")
  void enrichWithABoundedTableMatchesTheReference(long seed, int parallelism) {
    Random rnd = new Random(seed);
    int keys = 1 + rnd.nextInt(10);
    List<Ev> stream = randomElements(rnd, 400, keys, 1000);
    List<KV<Integer, String>> table = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      int rows = rnd.nextInt(3);
      for (int j = 0; j < rows; j++) {
        table.add(new KV<>(k, "row" + k + "." + j));
      }
    }
    Collections.shuffle(table, rnd);
    int bound = rnd.nextInt(40);
    String what = "seed " + seed + " (parallelism " + parallelism + ", " + table.size() + " table rows)";
    List<String> expected = new ArrayList<>();
    for (Ev e : stream) {
      boolean matched = false;
      for (KV<Integer, String> row : table) {
        if (row.key() == e.key()) {
          expected.add(e.key() + "|" + e + "/" + row + "@" + e.ts());
          matched = true;
        }
      }
      if (!matched) {
        expected.add(e.key() + "|" + e + "/null@" + e.ts());
      }
    }
    Collections.sort(expected);

    Pipeline p = Pipeline.create("enrich");
    var s = read(p, ScriptedSplitSource.spread(timestamped(disorder(rnd, stream, bound)), 1 + rnd.nextInt(4), rnd),
        rnd.nextBoolean(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(bound)), 1 + rnd.nextInt(16))
        .keyBy(Ev::key);
    var t = p.fromCollection(table).keyBy(KV::key);
    Result got = run(stamped(s.enrich(t)), RunOptions.streaming().withParallelism(parallelism));
    assertRecords(what, got.records, expected);

    // The enriched records then go through an event-time window, so the watermark held back while the
    // table loads must still be right: the per-key counts of enriched records per tumbling window.
    Pipeline q = Pipeline.create("enrich-window");
    var s2 = read(q, ScriptedSplitSource.spread(timestamped(disorder(rnd, stream, bound)), 1 + rnd.nextInt(4), rnd),
        true, WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(bound)), 1 + rnd.nextInt(16)).keyBy(Ev::key);
    WindowSpec spec = Windows.tumbling(Duration.ofMillis(50 + rnd.nextInt(200)));
    Result windowed = run(stamped(s2.enrich(q.fromCollection(table).keyBy(KV::key))
        .keyBy(kv -> kv.key()).window(spec).count()), RunOptions.streaming().withParallelism(parallelism));
    Map<String, Long> counts = new TreeMap<>();
    for (String e : expected) {
      int key = Integer.parseInt(e.substring(0, e.indexOf('|')));
      long ts = Long.parseLong(e.substring(e.lastIndexOf('@') + 1));
      Window w = windowsOf(spec, ts).get(0);
      counts.merge(key + "|" + w + "|", 1L, Long::sum);
    }
    List<String> windowExpected = new ArrayList<>();
    counts.forEach((k, c) -> {
      String win = k.substring(k.indexOf('|') + 1, k.length() - 1);
      long end = Long.parseLong(win.substring(win.indexOf(", ") + 2, win.length() - 1));
      windowExpected.add(k + c + "@" + (end - 1));
    });
    assertRecords(what + ": enrich then window " + spec, windowed.records, sorted(windowExpected));
    assertThat(windowed.lateDropped()).as(what + ": enrich then window, late-dropped").isZero();
  }

  // ---------------------------------------------------------------- pipelines

  static Dataset<Ev> read(Pipeline p, List<List<Object>> scripts, boolean sourceTimestamps, WatermarkStrategy<Ev> strategy,
                          int chunk) {
    Dataset<Ev> d = p.read(new ScriptedSplitSource<Ev>(scripts, sourceTimestamps || strategy == null, chunk));
    if (strategy == null) {
      return d;
    }
    return sourceTimestamps ? d.withWatermarks(strategy) : d.withTimestamps(Ev::ts, strategy);
  }

  static Dataset<?> aggregate(WindowedDataset<Integer, Ev> w, Agg agg) {
    return switch (agg) {
      case COUNT -> w.count();
      case SUM -> w.aggregate(Aggregations.sumLong(Ev::value));
      case REDUCE -> w.reduce((a, b) -> new Ev(a.key(), Math.max(a.ts(), b.ts()), a.value() + b.value()));
      case PROCESS -> w.process((Integer key, Window window, Iterable<Ev> elements, Collector<Windowed<Integer, List<Long>>> out) -> {
        List<Long> values = new ArrayList<>();
        elements.forEach(e -> values.add(e.value()));
        Collections.sort(values);
        out.collect(new Windowed<>(key, window, values));
      });
    };
  }

  static Dataset<?> windowed(Dataset<Ev> in, WindowSpec spec, Agg agg) {
    return aggregate(in.keyBy(Ev::key).window(spec), agg);
  }

  /** Each record as {@code text@timestamp}, the timestamp it carries downstream. */
  static Dataset<String> stamped(Dataset<?> in) {
    return in.process(new Stamp());
  }

  static final class Stamp extends ProcessFunction<Object, String> {
    @Override
    public void processElement(Object value, Context ctx, Collector<String> out) {
      out.collect(describe(value) + "@" + ctx.timestamp());
    }
  }

  static String describe(Object v) {
    if (v instanceof Windowed<?, ?> w) {
      return w.key() + "|" + w.window() + "|" + describe(w.value());
    } else if (v instanceof KV<?, ?> kv) {
      return kv.key() + "|" + describe(kv.value());
    } else if (v instanceof Joined<?, ?> j) {
      return j.left() + "/" + j.right();
    }
    return String.valueOf(v);
  }

  record Result(List<String> records, JobResult job) {
    long lateDropped() {
      long n = 0;
      for (JobResult.OperatorMetrics m : job.operators()) {
        n += m.lateDropped();
      }
      return n;
    }
  }

  static Result run(Dataset<String> out, RunOptions options) {
    CollectSink<String> sink = new CollectSink<>();
    JobResult job = out.write(sink).run(options);
    return new Result(sorted(sink.result()), job);
  }

  // ---------------------------------------------------------------- inputs

  static WindowSpec randomSpec(Random rnd) {
    return switch (rnd.nextInt(3)) {
      case 0 -> {
        long size = 1 + rnd.nextInt(120);
        yield Windows.tumbling(Duration.ofMillis(size), Duration.ofMillis(rnd.nextInt((int) size)));
      }
      case 1 -> {
        long size = 2 + rnd.nextInt(120);
        long slide = rnd.nextBoolean() ? Math.max(1, size / (1 + rnd.nextInt(5))) : 1 + rnd.nextInt((int) size);
        yield Windows.sliding(Duration.ofMillis(size), Duration.ofMillis(slide));
      }
      default -> Windows.session(Duration.ofMillis(1 + rnd.nextInt(40)));
    };
  }

  /** Up to {@code max} elements over {@code keys} keys and {@code span} ms, sorted by time; values 1..n. */
  static List<Ev> randomElements(Random rnd, int max, int keys, int span) {
    int n = rnd.nextInt(max + 1);
    int s = 1 + rnd.nextInt(span);
    List<Ev> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Ev(rnd.nextInt(keys), rnd.nextInt(s), i + 1));
    }
    out.sort(Comparator.comparingLong(Ev::ts));
    return out;
  }

  /** An arrival order in which each element comes at most {@code bound} ms of event time behind the largest before it. */
  static List<Ev> disorder(Random rnd, List<Ev> elems, int bound) {
    return WindowReference.disorder(rnd, elems, Ev::ts, bound);
  }

  static List<Timestamped<Ev>> timestamped(List<Ev> elems) {
    List<Timestamped<Ev>> out = new ArrayList<>();
    for (Ev e : elems) {
      out.add(Timestamped.of(e, e.ts()));
    }
    return out;
  }

  /** Scripts of in-order elements with watermarks {@code ts - 1} declared now and then before an element. */
  static List<List<Object>> withSourceWatermarks(List<List<Object>> scripts, Random rnd) {
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> script : scripts) {
      List<Object> s = new ArrayList<>();
      long last = Long.MIN_VALUE;
      for (Object step : script) {
        long ts = ((Timestamped<?>) step).timestamp();
        if (rnd.nextInt(3) == 0 && ts - 1 > last) {
          last = ts - 1;
          s.add(new ScriptedSplitSource.Watermark(last));
        }
        s.add(step);
      }
      out.add(s);
    }
    return out;
  }

  // ---------------------------------------------------------------- reference models

  static List<Window> windowsOf(WindowSpec s, long ts) {
    return WindowReference.windowsOf(s, ts);
  }

  /** Each key's sessions: by time, a new session when the next element is at or past the current end. */
  static Map<Integer, Map<Window, List<Ev>>> sessions(List<Ev> elems, long gap) {
    return WindowReference.sessions(elems, Ev::key, Ev::ts, gap);
  }

  static Map<Integer, Map<Window, List<Ev>>> windowContents(WindowSpec spec, List<Ev> elems) {
    return WindowReference.windowContents(spec, elems, Ev::key, Ev::ts);
  }

  static String refValue(Agg agg, int key, List<Ev> elems) {
    long sum = 0;
    long maxTs = Long.MIN_VALUE;
    List<Long> values = new ArrayList<>();
    for (Ev e : elems) {
      sum += e.value();
      maxTs = Math.max(maxTs, e.ts());
      values.add(e.value());
    }
    Collections.sort(values);
    return switch (agg) {
      case COUNT -> Long.toString(elems.size());
      case SUM -> Long.toString(sum);
      case REDUCE -> new Ev(key, maxTs, sum).toString();
      case PROCESS -> values.toString();
    };
  }

  static String fmt(int key, Window w, Agg agg, List<Ev> elems) {
    return key + "|" + w + "|" + refValue(agg, key, elems) + "@" + w.maxTimestamp();
  }

  static List<String> windowReference(WindowSpec spec, Agg agg, List<Ev> elems) {
    List<String> out = new ArrayList<>();
    windowContents(spec, elems).forEach((key, ws) -> ws.forEach((w, list) -> out.add(fmt(key, w, agg, list))));
    Collections.sort(out);
    return out;
  }

  /** Every (left, right) pair of a key in a common window; sessions are cut over both sides together. */
  static List<String> windowJoinReference(WindowSpec spec, List<Ev> left, List<Ev> right) {
    List<String> out = new ArrayList<>();
    if (spec.kind() == WindowSpec.Kind.SESSION) {
      List<Ev> both = new ArrayList<>(left);
      both.addAll(right);
      Set<Ev> lefts = new HashSet<>(left);
      sessions(both, spec.gap()).forEach((key, ws) -> ws.forEach((w, list) -> {
        for (Ev l : list) {
          for (Ev r : list) {
            if (lefts.contains(l) && !lefts.contains(r)) {
              out.add(key + "|" + w + "|" + l + "/" + r + "@" + w.maxTimestamp());
            }
          }
        }
      }));
    } else {
      for (Ev l : left) {
        for (Ev r : right) {
          if (l.key() != r.key()) {
            continue;
          }
          List<Window> rw = windowsOf(spec, r.ts());
          for (Window w : windowsOf(spec, l.ts())) {
            if (rw.contains(w)) {
              out.add(l.key() + "|" + w + "|" + l + "/" + r + "@" + w.maxTimestamp());
            }
          }
        }
      }
    }
    Collections.sort(out);
    return out;
  }

  /** Brute-force model of the window lateness rules, from their description (no panes, no timers). */
  static final class WindowSimulation extends WindowReference.LatenessSimulation<Ev, Integer, Ev> {
    private final Agg agg;

    WindowSimulation(WindowSpec spec, long lateness, Agg agg) {
      super(spec, lateness, Ev::key, Ev::ts);
      this.agg = agg;
    }

    @Override
    protected String format(Integer key, Window w, List<Ev> elems) {
      return fmt(key, w, agg, elems);
    }

    @Override
    protected Ev lateOf(Ev e) {
      return e;
    }
  }

  /** Equal as sorted lists; on failure the message names what is missing and what is extra (not the whole lists). */
  static void assertRecords(String what, List<String> actual, List<String> expected) {
    if (actual.equals(expected)) {
      return;
    }
    Map<String, Integer> diff = new TreeMap<>();
    expected.forEach(e -> diff.merge(e, 1, Integer::sum));
    actual.forEach(a -> diff.merge(a, -1, Integer::sum));
    List<String> missing = new ArrayList<>();
    List<String> extra = new ArrayList<>();
    diff.forEach((r, n) -> {
      for (int i = 0; i < Math.abs(n); i++) {
        (n > 0 ? missing : extra).add(r);
      }
    });
    throw new AssertionError(what + ": expected " + expected.size() + " records, got " + actual.size()
        + (missing.isEmpty() && extra.isEmpty() ? " (same records, different order)" : "")
        + "\n  missing (" + missing.size() + "): " + missing.subList(0, Math.min(10, missing.size()))
        + "\n  unexpected (" + extra.size() + "): " + extra.subList(0, Math.min(10, extra.size())));
  }

  static List<String> sorted(List<String> in) {
    List<String> out = new ArrayList<>(in);
    Collections.sort(out);
    return out;
  }
}
