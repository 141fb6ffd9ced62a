package dev.sluice.core.stream.window;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Aggregations;
import dev.sluice.api.plan.Op;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowFunction;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random keyed, timestamped inputs and random window specs against a plain-Java reference model
 * (complete data: every window computed from all of its elements; or, with late data, a brute-force
 * simulation of the documented lateness rules). Every case runs on the pane engine and the generic
 * engine. The seed of a failing case is in the assertion message; rerun it with
 * {@code -Dsluice.test.seed=<base>} or by calling the case method with it.
 */
class WindowPropertyTest {
  private static final long BASE = Long.getLong("sluice.test.seed", 20260315L);

  record Elem(String key, long ts, long value) {}

  enum Mode { COUNT, SUM_DEDUCT, SUM_COMBINE, SUM_NO_COMBINE, PROCESS }

  // ---- the operators under test ----

  static Op.Window op(WindowSpec spec, Trigger trigger, long lateness, Mode mode) {
    Aggregation<?, ?, ?> agg = switch (mode) {
      case COUNT -> Aggregations.count();
      case SUM_DEDUCT -> Aggregations.sumLong(v -> (Long) v);
      case SUM_COMBINE -> Aggregations.of("sum", () -> new long[1], (long[] a, Object v) -> { a[0] += (Long) v; return a; },
          (a, b) -> { a[0] += b[0]; return a; }, a -> a[0]);
      case SUM_NO_COMBINE -> Aggregations.of("sum", () -> new long[1], (long[] a, Object v) -> { a[0] += (Long) v; return a; },
          null, a -> a[0]);
      case PROCESS -> null;
    };
    WindowFunction<Object, Object, Object> fn = mode != Mode.PROCESS ? null : (key, window, elements, out) -> {
      List<Long> values = new ArrayList<>();
      elements.forEach(e -> values.add((Long) e));
      Collections.sort(values);
      out.collect(new Windowed<>(key, window, values));
    };
    return new Op.Window(null, spec, trigger, lateness, "late", agg, fn);
  }

  static Object refValue(Mode mode, List<Elem> elems) {
    return switch (mode) {
      case COUNT -> (long) elems.size();
      case PROCESS -> {
        List<Long> values = new ArrayList<>();
        elems.forEach(e -> values.add(e.value()));
        Collections.sort(values);
        yield values;
      }
      default -> elems.stream().mapToLong(Elem::value).sum();
    };
  }

  static String fmt(Object key, Window w, Object value, long ts) {
    return key + "|" + w + "|" + value + "@" + ts;
  }

  static List<String> normalize(List<Emitted> out) {
    List<String> s = new ArrayList<>();
    for (Emitted e : out) {
      Windowed<?, ?> w = (Windowed<?, ?>) e.value();
      s.add(fmt(w.key(), w.window(), w.value(), e.timestamp()));
    }
    Collections.sort(s);
    return s;
  }

  // ---- random inputs ----

  static WindowSpec randomSpec(Random rnd, boolean withGlobal) {
    int kind = rnd.nextInt(withGlobal ? 4 : 3);
    if (kind == 0) {
      long size = 1 + rnd.nextInt(40);
      return new WindowSpec(WindowSpec.Kind.TUMBLING, size, size, 0, rnd.nextInt((int) (2 * size)) - size, TimeDomain.EVENT_TIME);
    } else if (kind == 1) {
      long size = 2 + rnd.nextInt(40);
      long slide = rnd.nextBoolean() ? Math.max(1, size / (1 + rnd.nextInt(5))) : 1 + rnd.nextInt((int) size);
      return new WindowSpec(WindowSpec.Kind.SLIDING, size, slide, 0, rnd.nextInt(7), TimeDomain.EVENT_TIME);
    } else if (kind == 2) {
      return new WindowSpec(WindowSpec.Kind.SESSION, 0, 0, 1 + rnd.nextInt(20), 0, TimeDomain.EVENT_TIME);
    }
    return new WindowSpec(WindowSpec.Kind.GLOBAL, 0, 0, 0, 0, TimeDomain.EVENT_TIME);
  }

  static List<Elem> randomElements(Random rnd) {
    int n = rnd.nextInt(160);
    int keys = 1 + rnd.nextInt(5);
    long span = 1 + rnd.nextInt(400);
    List<Elem> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Elem("k" + rnd.nextInt(keys), rnd.nextInt((int) span), i + 1));
    }
    out.sort(Comparator.comparingLong(Elem::ts));
    return out;
  }

  /** Arrival order with disorder of at most {@code bound} ms (each element moved by up to that). */
  static List<Elem> disorder(Random rnd, List<Elem> sorted, int bound) {
    return WindowReference.disorder(rnd, sorted, Elem::ts, bound);
  }

  static List<Window> windowsOf(WindowSpec s, long ts) {
    return WindowReference.windowsOf(s, ts);
  }

  /** Every (key, window) with all of its elements, in arrival order (sessions: by time). */
  static Map<String, Map<Window, List<Elem>>> windowContents(WindowSpec spec, List<Elem> arrival) {
    return WindowReference.windowContents(spec, arrival, Elem::key, Elem::ts);
  }

  static List<String> completeReference(WindowSpec spec, Mode mode, List<Elem> elems) {
    List<String> out = new ArrayList<>();
    windowContents(spec, elems).forEach((key, ws) -> ws.forEach((w, list) -> out.add(fmt(key, w, refValue(mode, list), w.maxTimestamp()))));
    Collections.sort(out);
    return out;
  }

  // ---- driving ----

  /** Pushes elements in arrival order with the given watermark after each (MIN_VALUE: none), then ends input. */
  static OperatorDriver run(Op.Window op, boolean panes, List<Elem> arrival, long[] watermarkAfter) throws Exception {
    OperatorDriver d = new OperatorDriver(new WindowOperator(op, panes));
    d.open();
    long last = Long.MIN_VALUE;
    for (int i = 0; i < arrival.size(); i++) {
      Elem e = arrival.get(i);
      d.element(e.key(), e.value(), e.ts());
      if (watermarkAfter[i] > last) {
        last = watermarkAfter[i];
        d.watermark(last);
      }
    }
    d.endInput(1);
    return d;
  }

  /** The largest watermark that keeps every element not yet arrived on time, minus some slack. */
  static long[] perfectWatermarks(Random rnd, List<Elem> arrival) {
    long[] wms = new long[arrival.size()];
    long minRemaining = Long.MAX_VALUE;
    for (int i = arrival.size() - 1; i >= 0; i--) {
      wms[i] = rnd.nextInt(10) < 3 && minRemaining != Long.MAX_VALUE ? minRemaining - 1 - rnd.nextInt(3) : Long.MIN_VALUE;
      minRemaining = Math.min(minRemaining, arrival.get(i).ts());
    }
    return wms;
  }

  // ---- properties ----

  @Test
  void outOfOrderArrivalWithinTheWatermarkBoundGivesTheReferenceResult() throws Exception {
    for (int c = 0; c < 300; c++) {
      long seed = BASE * 31 + c;
      Random rnd = new Random(seed);
      WindowSpec spec = randomSpec(rnd, false);
      Mode mode = Mode.values()[rnd.nextInt(Mode.values().length)];
      long lateness = rnd.nextInt(3) == 0 ? rnd.nextInt(30) : 0;
      List<Elem> elems = randomElements(rnd);
      List<Elem> arrival = disorder(rnd, elems, rnd.nextInt(40));
      long[] wms = perfectWatermarks(rnd, arrival);
      List<String> expected = completeReference(spec, mode, elems);
      String what = "seed " + seed + ": " + spec + " " + mode + " lateness " + lateness;
      for (boolean panes : new boolean[] {true, false}) {
        OperatorDriver d = run(op(spec, Trigger.onTime(), lateness, mode), panes, arrival, wms);
        assertThat(normalize(d.output())).as(what + " panes=" + panes).isEqualTo(expected);
        assertThat(d.sideOutput("late")).as(what).isEmpty();
        long[] inOrderWms = new long[elems.size()];
        for (int i = 0; i < elems.size(); i++) {
          inOrderWms[i] = elems.get(i).ts() - 1;
        }
        OperatorDriver inOrder = run(op(spec, Trigger.onTime(), lateness, mode), panes, elems, inOrderWms);
        assertThat(normalize(inOrder.output())).as(what + " in order, panes=" + panes).isEqualTo(expected);
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void lateElementsGoToTheSideOutputOnlyAndUpdatesWithinLatenessAreEmitted() throws Exception {
    int lateSeen = 0;
    int updatesSeen = 0;
    for (int c = 0; c < 300; c++) {
      long seed = BASE * 37 + c;
      Random rnd = new Random(seed);
      WindowSpec spec = randomSpec(rnd, false);
      Mode mode = Mode.values()[rnd.nextInt(Mode.values().length)];
      long lateness = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(40);
      int bound = rnd.nextInt(20);
      List<Elem> elems = randomElements(rnd);
      List<long[]> keyed = new ArrayList<>();
      for (int i = 0; i < elems.size(); i++) {
        int delay = rnd.nextInt(100) < 15 ? rnd.nextInt(300) : rnd.nextInt(bound + 1);
        keyed.add(new long[] {elems.get(i).ts() + delay, i});
      }
      keyed.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
      List<Elem> arrival = new ArrayList<>();
      long[] wms = new long[elems.size()];
      long maxSeen = Long.MIN_VALUE;
      for (int i = 0; i < keyed.size(); i++) {
        Elem e = elems.get((int) keyed.get(i)[1]);
        arrival.add(e);
        maxSeen = Math.max(maxSeen, e.ts());
        wms[i] = rnd.nextInt(10) < 4 ? maxSeen - bound : Long.MIN_VALUE;
      }
      Simulation sim = new Simulation(spec, lateness, mode);
      long last = Long.MIN_VALUE;
      for (int i = 0; i < arrival.size(); i++) {
        sim.element(arrival.get(i));
        if (wms[i] > last) {
          last = wms[i];
          sim.watermark(last);
        }
      }
      sim.watermark(Long.MAX_VALUE - 1_000_000);
      Collections.sort(sim.out);
      lateSeen += sim.late.size();
      updatesSeen += sim.out.size() - new HashSet<>(sim.out.stream().map(o -> o.substring(0, o.indexOf(')'))).toList()).size();
      String what = "seed " + seed + ": " + spec + " " + mode + " lateness " + lateness + " bound " + bound;
      List<String> firstResult = null;
      for (boolean panes : new boolean[] {true, false}) {
        OperatorDriver d = run(op(spec, Trigger.onTime(), lateness, mode), panes, arrival, wms);
        List<String> actual = normalize(d.output());
        assertThat(actual).as(what + " panes=" + panes).isEqualTo(sim.out);
        List<Object> lateValues = new ArrayList<>();
        d.sideOutput("late").forEach(e -> lateValues.add(e.value()));
        assertThat(lateValues).as(what + " late, panes=" + panes).containsExactlyInAnyOrderElementsOf(sim.late);
        assertThat(d.lateDropped()).isEmpty();
        if (mode == Mode.PROCESS && !lateValues.isEmpty()) {
          for (Emitted e : d.output()) {
            assertThat((List<Object>) ((Windowed<?, ?>) e.value()).value()).as(what).doesNotContainAnyElementsOf(lateValues);
          }
        }
        firstResult = actual;
      }
      if (mode == Mode.SUM_DEDUCT || mode == Mode.SUM_COMBINE || mode == Mode.SUM_NO_COMBINE) {
        for (Mode other : new Mode[] {Mode.SUM_DEDUCT, Mode.SUM_COMBINE, Mode.SUM_NO_COMBINE}) {
          OperatorDriver d = run(op(spec, Trigger.onTime(), lateness, other), true, arrival, wms);
          assertThat(normalize(d.output())).as(what + " " + other + " vs " + mode).isEqualTo(firstResult);
        }
      }
    }
    assertThat(lateSeen).as("cases with late elements").isGreaterThan(100);
    assertThat(updatesSeen).as("updates within lateness").isGreaterThan(100);
  }

  @Test
  void countTriggersFireEveryNElementsPerKeyAndWindowAndTheRestAtTheEnd() throws Exception {
    for (int c = 0; c < 200; c++) {
      long seed = BASE * 41 + c;
      Random rnd = new Random(seed);
      WindowSpec spec = randomSpec(rnd, true);
      if (spec.kind() == WindowSpec.Kind.SESSION) {
        spec = new WindowSpec(WindowSpec.Kind.GLOBAL, 0, 0, 0, 0, TimeDomain.EVENT_TIME);
      }
      Mode mode = Mode.values()[rnd.nextInt(Mode.values().length)];
      int n = 1 + rnd.nextInt(5);
      List<Elem> elems = randomElements(rnd);
      List<Elem> arrival = disorder(rnd, elems, rnd.nextInt(30));
      long[] wms = perfectWatermarks(rnd, arrival);
      List<String> expected = new ArrayList<>();
      windowContents(spec, arrival).forEach((key, ws) -> ws.forEach((w, list) -> {
        for (int from = 0; from < list.size(); from += n) {
          expected.add(fmt(key, w, refValue(mode, list.subList(from, Math.min(list.size(), from + n))), w.maxTimestamp()));
        }
      }));
      Collections.sort(expected);
      String what = "seed " + seed + ": " + spec + " " + mode + " count " + n;
      for (boolean panes : new boolean[] {true, false}) {
        OperatorDriver d = run(op(spec, Trigger.count(n), 0, mode), panes, arrival, wms);
        assertThat(normalize(d.output())).as(what).isEqualTo(expected);
      }
    }
  }

  @Test
  void earlyFiringsReportChangedOpenWindowsWithinTheIntervalAndOnTimeResultsStayExact() throws Exception {
    for (int c = 0; c < 200; c++) {
      long seed = BASE * 43 + c;
      Random rnd = new Random(seed);
      WindowSpec spec = randomSpec(rnd, false);
      Mode mode = Mode.values()[rnd.nextInt(Mode.values().length)];
      long interval = 1 + rnd.nextInt(20);
      List<Elem> elems = randomElements(rnd);
      List<Elem> arrival = disorder(rnd, elems, rnd.nextInt(20));
      String what = "seed " + seed + ": " + spec + " " + mode + " early every " + interval;
      boolean aligned = spec.kind() != WindowSpec.Kind.SESSION;
      for (boolean panes : new boolean[] {true, false}) {
        OperatorDriver d = new OperatorDriver(new WindowOperator(op(spec, Trigger.earlyEvery(java.time.Duration.ofMillis(interval)), 0, mode), panes));
        d.open();
        List<Elem> arrived = new ArrayList<>();
        List<Emitted> onTime = new ArrayList<>();
        Map<String, Integer> emittedSize = new HashMap<>();   // window -> elements at its last early firing
        Map<String, Long> pendingSince = new HashMap<>();     // aligned windows changed since their last firing
        long wm = Long.MIN_VALUE;
        for (int i = 0; i < arrival.size(); i++) {
          if (rnd.nextInt(10) < 3) {
            int before = d.output().size();
            d.advanceProcessingTimeBy(rnd.nextInt((int) (2 * interval + 1)));
            long now = d.currentProcessingTime();
            Map<String, Map<Window, List<Elem>>> partial = windowContents(spec, arrived);
            for (Emitted e : d.output().subList(before, d.output().size())) {
              Windowed<?, ?> w = (Windowed<?, ?>) e.value();
              assertThat(w.window().maxTimestamp()).as(what + " early firing of a closed window " + e).isGreaterThan(wm);
              List<Elem> content = partial.getOrDefault(w.key(), Map.of()).get(w.window());
              assertThat(content).as(what + " early firing of an unknown window " + e).isNotNull();
              assertThat(fmt(w.key(), w.window(), w.value(), e.timestamp()))
                  .as(what).isEqualTo(fmt(w.key(), w.window(), refValue(mode, content), w.window().maxTimestamp()));
              String id = w.key() + "|" + w.window();
              assertThat(content.size()).as(what + " unchanged window fired early again " + e)
                  .isGreaterThan(emittedSize.getOrDefault(id, 0));
              emittedSize.put(id, content.size());
              pendingSince.remove(id);
            }
            for (Map.Entry<String, Long> p : pendingSince.entrySet()) {
              assertThat(p.getValue() + interval).as(what + " window " + p.getKey() + " changed at " + p.getValue()
                  + " not fired early by " + now).isGreaterThan(now);
            }
          }
          Elem e = arrival.get(i);
          d.element(e.key(), e.value(), e.ts());
          arrived.add(e);
          if (aligned) {
            for (Window w : windowsOf(spec, e.ts())) {
              pendingSince.putIfAbsent(e.key() + "|" + w, d.currentProcessingTime());
            }
          }
          long minRemaining = Long.MAX_VALUE;
          for (int j = i + 1; j < arrival.size(); j++) {
            minRemaining = Math.min(minRemaining, arrival.get(j).ts());
          }
          if (rnd.nextInt(10) < 2 && minRemaining != Long.MAX_VALUE && minRemaining - 1 > wm) {
            wm = minRemaining - 1;
            int before = d.output().size();
            d.watermark(wm);
            onTime.addAll(d.output().subList(before, d.output().size()));
            long w0 = wm;
            pendingSince.keySet().removeIf(id -> closed(id, w0));
          }
        }
        int before = d.output().size();
        d.endInput(1);
        onTime.addAll(d.output().subList(before, d.output().size()));
        assertThat(normalize(onTime)).as(what + " on time, panes=" + panes).isEqualTo(completeReference(spec, mode, elems));
      }
    }
  }

  private static boolean closed(String windowId, long wm) {
    String w = windowId.substring(windowId.indexOf('|') + 1);
    long end = Long.parseLong(w.substring(w.indexOf(", ") + 2, w.length() - 1));
    return end - 1 <= wm;
  }

  /** Brute-force model of the lateness rules, straight from their description (no panes, no timers). */
  static final class Simulation extends WindowReference.LatenessSimulation<Elem, String, Object> {
    private final Mode mode;

    Simulation(WindowSpec spec, long lateness, Mode mode) {
      super(spec, lateness, Elem::key, Elem::ts);
      this.mode = mode;
    }

    @Override
    protected String format(String key, Window w, List<Elem> elems) {
      return fmt(key, w, refValue(mode, elems), w.maxTimestamp());
    }

    @Override
    protected Object lateOf(Elem e) {
      return e.value();
    }
  }
}
