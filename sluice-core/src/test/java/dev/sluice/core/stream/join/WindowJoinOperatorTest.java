package dev.sluice.core.stream.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Joined;
import dev.sluice.api.plan.Op;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import dev.sluice.core.stream.StreamInputs;
import dev.sluice.core.stream.StreamInputs.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowJoinOperatorTest {

  private static WindowJoinOperator op(WindowSpec spec) {
    return new WindowJoinOperator(new Op.WindowJoin(x -> x, x -> x, spec));
  }

  private static Emitted pair(Object key, Window w, Object l, Object r) {
    return new Emitted(new Windowed<>(key, w, new Joined<>(l, r)), w.maxTimestamp());
  }

  @Test
  void tumblingWindowEmitsAllPairsWhenTheWatermarkPassesItsEnd() throws Exception {
    WindowJoinOperator op = op(Windows.tumbling(Duration.ofMillis(10)));
    OperatorDriver d = new OperatorDriver(op);
    d.element(0, "a", "l1", 1).element(1, "a", "r2", 2).element(0, "a", "l3", 3).element(1, "a", "r12", 12)
        .element(0, "b", "lb", 5);
    d.watermark(8);
    assertThat(d.output()).isEmpty();
    d.watermark(9);
    Window w = new Window(0, 10);
    assertThat(d.output()).containsExactly(pair("a", w, "l1", "r2"), pair("a", w, "l3", "r2"));
    assertThat(d.emittedWatermarks()).containsExactly(8L, 9L);
    assertThat(op.bufferedElements()).isEqualTo(1); // r12 waits for its window; b's window had no right side
    d.element(0, "a", "late", 9).element(0, "a", "l15", 15);
    assertThat(d.lateDropped()).containsExactly(new Emitted("late", 9));
    d.endInput(2);
    assertThat(d.output()).contains(pair("a", new Window(10, 20), "l15", "r12"));
  }

  @Test
  void slidingWindowJoinsInEveryWindowBothAreIn() throws Exception {
    OperatorDriver d = new OperatorDriver(op(Windows.sliding(Duration.ofMillis(10), Duration.ofMillis(5))));
    d.element(0, "k", "l", 7).element(1, "k", "r", 11).watermark(100);
    assertThat(d.output()).containsExactly(pair("k", new Window(5, 15), "l", "r"));
  }

  @Test
  void sessionsMergeWhenTheyOverlapButNotWhenTheyTouch() throws Exception {
    OperatorDriver d = new OperatorDriver(op(Windows.session(Duration.ofMillis(10))));
    d.element(0, "k", "l0", 0).element(1, "k", "r20", 20).element(1, "k", "r9", 9) // [0,19) and [20,30)
        .element(0, "k", "l30", 30); // touches [20,30): a new session
    d.watermark(18);
    assertThat(d.output()).containsExactly(pair("k", new Window(0, 19), "l0", "r9"));
    d.watermark(28);
    assertThat(d.output()).hasSize(1);
    d.element(0, "k", "l25", 25).watermark(1000); // [25, 35) bridges [20, 30) and [30, 40)
    Window merged = new Window(20, 40);
    assertThat(d.output()).containsExactly(pair("k", new Window(0, 19), "l0", "r9"),
        pair("k", merged, "l30", "r20"), pair("k", merged, "l25", "r20"));
  }

  @Test
  void touchingSessionsStayApart() throws Exception {
    OperatorDriver d = new OperatorDriver(op(Windows.session(Duration.ofMillis(10))));
    d.element(1, "k", "r20", 20).element(0, "k", "l30", 30).watermark(1000);
    assertThat(d.output()).isEmpty();
  }

  @Test
  void processingTimeWindowsFireFromTheClock() throws Exception {
    OperatorDriver d = new OperatorDriver(op(Windows.tumbling(Duration.ofMillis(100)).inProcessingTime()));
    d.advanceProcessingTimeTo(10).element(0, "k", "l", Long.MIN_VALUE).element(1, "k", "r", 5).watermark(1_000_000);
    assertThat(d.output()).isEmpty();
    d.advanceProcessingTimeTo(99);
    Window w = new Window(0, 100);
    assertThat(d.output()).containsExactly(pair("k", w, "l", "r"));
  }

  @Test
  void matchesReferenceForTumblingSlidingAndSessionWindows() throws Exception {
    StreamInputs.forEachSeed(60, 13, WindowJoinOperatorTest::referenceCase);
  }

  private static void referenceCase(long seed) throws Exception {
    Random r = new Random(seed);
    long size = 1 + r.nextInt(50);
    WindowSpec spec = switch (r.nextInt(3)) {
      case 0 -> Windows.tumbling(Duration.ofMillis(size), Duration.ofMillis(r.nextInt((int) size)));
      case 1 -> Windows.sliding(Duration.ofMillis(size), Duration.ofMillis(1 + r.nextInt((int) size)));
      default -> Windows.session(Duration.ofMillis(size));
    };
    List<Event> events = StreamInputs.events(r, r.nextInt(300), 2, 1 + r.nextInt(8), 1000);
    long bound = r.nextInt(40);
    WindowJoinOperator op = op(spec);
    OperatorDriver d = new OperatorDriver(op);
    StreamInputs.drive(d, StreamInputs.arrival(r, events, bound, 0.2));
    if (r.nextBoolean()) {
      d.watermark(100_000);
      assertThat(op.bufferedElements()).isZero();
    }
    d.endInput(2);
    assertThat(d.lateDropped()).isEmpty();
    assertThat(d.output()).as("%s bound=%s", spec, bound).containsExactlyInAnyOrderElementsOf(reference(spec, events));
  }

  /** Plain evaluation: windows per element, then pairs per key and window. */
  private static List<Emitted> reference(WindowSpec spec, List<Event> events) {
    Map<Object, Map<Window, List<Event>>> byKey = new HashMap<>();
    if (spec.kind() == WindowSpec.Kind.SESSION) {
      Map<Object, List<Event>> perKey = new HashMap<>();
      for (Event e : events) {
        perKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
      }
      perKey.forEach((k, list) -> {
        list.sort(Comparator.comparingLong(Event::timestamp));
        List<Event> session = new ArrayList<>();
        long start = 0;
        long end = Long.MIN_VALUE;
        for (Event e : list) {
          if (!session.isEmpty() && e.timestamp() >= end) {
            byKey.computeIfAbsent(k, x -> new HashMap<>()).put(new Window(start, end), session);
            session = new ArrayList<>();
          }
          if (session.isEmpty()) {
            start = e.timestamp();
            end = e.timestamp() + spec.gap();
          }
          session.add(e);
          end = Math.max(end, e.timestamp() + spec.gap());
        }
        if (!session.isEmpty()) {
          byKey.computeIfAbsent(k, x -> new HashMap<>()).put(new Window(start, end), session);
        }
      });
    } else {
      for (Event e : events) {
        long t = e.timestamp();
        // every window [start, start + size) with start = offset + n * slide containing t
        for (long start = t - spec.size() + 1; start <= t; start++) {
          if (Math.floorMod(start - spec.offset(), spec.slide()) == 0) {
            byKey.computeIfAbsent(e.key(), x -> new HashMap<>())
                .computeIfAbsent(new Window(start, start + spec.size()), x -> new ArrayList<>()).add(e);
          }
        }
      }
    }
    List<Emitted> out = new ArrayList<>();
    byKey.forEach((k, windows) -> windows.forEach((w, list) -> {
      for (Event l : list) {
        for (Event rt : list) {
          if (l.input() == 0 && rt.input() == 1) {
            out.add(pair(k, w, l.value(), rt.value()));
          }
        }
      }
    }));
    return out;
  }
}
