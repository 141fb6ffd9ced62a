package dev.sluice.core.stream.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Aggregations;
import dev.sluice.api.plan.Op;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowFunction;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowOperatorTest {
  static final Aggregation<Object, long[], Long> COUNT = Aggregations.count();

  static Op.Window op(WindowSpec spec, Trigger trigger, long latenessMs, String lateTag, Aggregation<?, ?, ?> agg) {
    return new Op.Window(null, spec, trigger, latenessMs, lateTag, agg, null);
  }

  static OperatorDriver driver(Op.Window op) {
    return new OperatorDriver(new WindowOperator(op));
  }

  static Emitted result(Object key, long start, long end, Object value) {
    return new Emitted(new Windowed<>(key, new Window(start, end), value), end - 1);
  }

  static Duration ms(long ms) {
    return Duration.ofMillis(ms);
  }

  @Test
  void tumblingWindowsFireWhenTheWatermarkPassesTheirEndThenForwardIt() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)), Trigger.onTime(), 0, null, COUNT));
    d.element("a", "x", 1).element("a", "y", 5).element("b", "z", 3).element("a", "w", 12);
    d.watermark(8);
    assertThat(d.output()).isEmpty();
    assertThat(d.emittedWatermarks()).containsExactly(8L);
    d.watermark(9);
    assertThat(d.output()).containsExactlyInAnyOrder(result("a", 0, 10, 2L), result("b", 0, 10, 1L));
    d.clearOutput().watermark(100);
    assertThat(d.output()).containsExactly(result("a", 10, 20, 1L));
    assertThat(d.emittedWatermarks()).containsExactly(100L);
  }

  @Test
  void tumblingWindowsHonourTheOffset() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10), ms(3)), Trigger.onTime(), 0, null, COUNT));
    d.element("a", "x", 2).element("a", "y", 3).element("a", "z", 12).endInput(1);
    assertThat(d.output()).containsExactly(result("a", -7, 3, 1L), result("a", 3, 13, 2L));
  }

  @Test
  void slidingWindowsPutAnElementInSizeOverSlideWindowsAndUseDeductingPanes() throws Exception {
    WindowOperator w = new WindowOperator(op(Windows.sliding(ms(10), ms(5)), Trigger.onTime(), 0, null, COUNT));
    assertThat(w.engineName()).isEqualTo("panes");
    OperatorDriver d = new OperatorDriver(w);
    d.element("a", "x", 7).element("a", "y", 12).element("a", "z", 3);
    d.watermark(9);
    assertThat(d.output()).containsExactly(result("a", -5, 5, 1L), result("a", 0, 10, 2L));
    d.clearOutput().watermark(14);
    assertThat(d.output()).containsExactly(result("a", 5, 15, 2L));
    d.clearOutput().endInput(1);
    assertThat(d.output()).containsExactly(result("a", 10, 20, 1L));
  }

  @Test
  void slidingWindowsWithANonCombiningAggregationUseTheGenericEngine() throws Exception {
    Aggregation<Object, long[], Long> noCombine = Aggregations.of("count", () -> new long[1],
        (a, v) -> { a[0]++; return a; }, null, a -> a[0]);
    WindowOperator w = new WindowOperator(op(Windows.sliding(ms(10), ms(5)), Trigger.onTime(), 0, null, noCombine));
    assertThat(w.engineName()).isEqualTo("generic");
    OperatorDriver d = new OperatorDriver(w);
    d.element("a", "x", 7).element("a", "y", 12).endInput(1);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 1L), result("a", 5, 15, 2L), result("a", 10, 20, 1L));
  }

  @Test
  void sessionsMergeWhenAnElementBridgesThem() throws Exception {
    OperatorDriver d = driver(op(Windows.session(ms(5)), Trigger.onTime(), 0, null, Aggregations.sumLong(v -> (Long) v)));
    d.element("a", 1L, 1).element("a", 10L, 9).element("b", 100L, 2);
    d.element("a", 5L, 5);                        // [5,10) overlaps [1,6) and [9,14)
    d.element("a", 1000L, 14);                    // exactly gap after 9: a new session (strict overlap)
    d.watermark(13);
    assertThat(d.output()).containsExactlyInAnyOrder(result("a", 1, 14, 16L), result("b", 2, 7, 100L));
    d.clearOutput().endInput(1);
    assertThat(d.output()).containsExactly(result("a", 14, 19, 1000L));
  }

  @Test
  void sessionsKeepElementsWhenTheAggregationCannotCombine() throws Exception {
    Aggregation<Object, long[], Long> noCombine = Aggregations.of("sum", () -> new long[1],
        (a, v) -> { a[0] += (Long) v; return a; }, null, a -> a[0]);
    OperatorDriver d = driver(op(Windows.session(ms(5)), Trigger.onTime(), 0, null, noCombine));
    d.element("a", 1L, 1).element("a", 10L, 9).element("a", 5L, 5).endInput(1);
    assertThat(d.output()).containsExactly(result("a", 1, 14, 16L));
  }

  @Test
  void globalWindowsFireOnCountAndTheRestAtEndOfInput() throws Exception {
    OperatorDriver d = driver(op(Windows.global(), Trigger.count(2), 0, null, COUNT));
    for (int i = 0; i < 5; i++) {
      d.element("a", i, i);
    }
    d.element("b", 9, 1).watermark(1_000_000);
    Emitted two = new Emitted(new Windowed<>("a", Window.GLOBAL, 2L), Long.MAX_VALUE - 1);
    assertThat(d.output()).containsExactly(two, two);
    d.clearOutput().endInput(1);
    assertThat(d.output()).containsExactlyInAnyOrder(
        new Emitted(new Windowed<>("a", Window.GLOBAL, 1L), Long.MAX_VALUE - 1),
        new Emitted(new Windowed<>("b", Window.GLOBAL, 1L), Long.MAX_VALUE - 1));
    assertThat(d.emittedWatermarks()).containsExactly(Long.MAX_VALUE);
  }

  @Test
  void globalWindowsWithoutATriggerFireOnlyAtEndOfInput() throws Exception {
    OperatorDriver d = driver(op(Windows.global(), Trigger.onTime(), 0, null, COUNT));
    d.element("a", 1, 1).element("a", 2, 2).watermark(Long.MAX_VALUE - 2);
    assertThat(d.output()).isEmpty();
    d.endInput(1);
    assertThat(d.values()).containsExactly(new Windowed<>("a", Window.GLOBAL, 2L));
  }

  @Test
  void countTriggerOnTumblingWindowsFiresTheRemainderWhenTheWindowCloses() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)), Trigger.count(2), 5, null, COUNT));
    d.element("a", 1, 1).element("a", 2, 2).element("a", 3, 3);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 2L));
    d.clearOutput().watermark(10);
    assertThat(d.output()).isEmpty();                      // still within lateness: may yet reach the count
    d.element("a", 4, 4);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 2L));
    d.clearOutput().element("a", 5, 5).watermark(14);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 1L));
  }

  @Test
  void allowedLatenessReEmitsUpdatesThenLateElementsGoToTheSideOutput() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)), Trigger.onTime(), 5, "late", COUNT));
    d.element("a", "x", 3).watermark(10);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 1L));
    d.clearOutput().element("a", "y", 4);                    // 9 + 5 > 10: within lateness
    assertThat(d.output()).containsExactly(result("a", 0, 10, 2L));
    d.clearOutput().watermark(14).element("a", "z", 5);     // 9 + 5 <= 14: late
    assertThat(d.output()).isEmpty();
    assertThat(d.sideOutput("late")).containsExactly(new Emitted("z", 5));
    assertThat(d.lateDropped()).isEmpty();
  }

  @Test
  void lateElementWithinLatenessForAWindowThatNeverHadDataFiresIt() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)), Trigger.onTime(), 20, "late", COUNT));
    d.watermark(15).element("a", "x", 2);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 1L));
    d.clearOutput().endInput(1);
    assertThat(d.output()).isEmpty();
  }

  @Test
  void lateElementsWithoutASideOutputAreCounted() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)), Trigger.onTime(), 0, null, COUNT));
    d.watermark(20).element("a", "x", 3);
    assertThat(d.lateDropped()).containsExactly(new Emitted("x", 3));
    assertThat(d.output()).isEmpty();
  }

  @Test
  void slidingElementIsLateOnlyIfAllItsWindowsExpired() throws Exception {
    OperatorDriver d = driver(op(Windows.sliding(ms(10), ms(5)), Trigger.onTime(), 0, "late", COUNT));
    d.watermark(9).element("a", "x", 7);           // [0,10) expired, [5,15) open
    assertThat(d.sideOutput("late")).isEmpty();
    d.watermark(14).element("a", "y", 8);          // both expired
    assertThat(d.output()).containsExactly(result("a", 5, 15, 1L));
    assertThat(d.sideOutput("late")).containsExactly(new Emitted("y", 8));
  }

  @Test
  void windowFunctionsSeeAllElementsOfTheWindow() throws Exception {
    WindowFunction<Object, Object, Object> fn = (key, window, elements, out) -> {
      List<String> all = new ArrayList<>();
      elements.forEach(e -> all.add((String) e));
      Collections.sort(all);
      out.collect(key + window.toString() + all);
    };
    for (WindowSpec spec : List.of(Windows.sliding(ms(10), ms(5)), Windows.session(ms(5)))) {
      OperatorDriver d = new OperatorDriver(new WindowOperator(new Op.Window(null, spec, Trigger.onTime(), 0, null, null, fn)));
      d.element("a", "x", 7).element("a", "y", 3).element("a", "z", 11).endInput(1);
      if (spec.kind() == WindowSpec.Kind.SLIDING) {
        assertThat(d.output()).containsExactly(new Emitted("a[-5, 5)[y]", 4), new Emitted("a[0, 10)[x, y]", 9), new Emitted("a[5, 15)[x, z]", 14),
            new Emitted("a[10, 20)[z]", 19));
      } else {
        assertThat(d.output()).containsExactly(new Emitted("a[3, 16)[x, y, z]", 15));
      }
    }
  }

  @Test
  void processingTimeWindowsFireWhenTheClockReachesTheirEnd() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)).inProcessingTime(), Trigger.onTime(), 0, null, COUNT));
    d.advanceProcessingTimeTo(3);
    d.element("a", "x", Long.MIN_VALUE).element("a", "y", 999);   // event timestamps are ignored
    d.watermark(1000);
    assertThat(d.output()).isEmpty();
    assertThat(d.emittedWatermarks()).containsExactly(1000L);
    d.advanceProcessingTimeTo(9);
    assertThat(d.output()).isEmpty();
    d.advanceProcessingTimeTo(10).element("a", "z", 0);
    assertThat(d.output()).containsExactly(result("a", 0, 10, 2L));
    d.clearOutput().advanceProcessingTimeTo(25);
    assertThat(d.output()).containsExactly(result("a", 10, 20, 1L));
  }

  @Test
  void earlyFiringEmitsChangedOpenWindowsEveryInterval() throws Exception {
    OperatorDriver d = driver(op(Windows.tumbling(ms(100)), Trigger.earlyEvery(ms(10)), 0, null, COUNT));
    d.element("a", "x", 5).element("b", "y", 150);
    d.advanceProcessingTimeTo(9);
    assertThat(d.output()).isEmpty();
    d.advanceProcessingTimeTo(10);
    assertThat(d.output()).containsExactlyInAnyOrder(result("a", 0, 100, 1L), result("b", 100, 200, 1L));
    d.clearOutput().advanceProcessingTimeTo(40);
    assertThat(d.output()).isEmpty();                            // nothing changed
    d.element("a", "z", 50).advanceProcessingTimeTo(50);
    assertThat(d.output()).containsExactly(result("a", 0, 100, 2L));
    d.clearOutput().element("a", "w", 60).watermark(99);
    assertThat(d.output()).containsExactly(result("a", 0, 100, 3L));  // on time
    d.clearOutput().advanceProcessingTimeTo(100);
    assertThat(d.output()).isEmpty();                            // closed windows do not fire early
  }

  @Test
  void eventTimeWindowsNeedTimestamps() {
    OperatorDriver d = driver(op(Windows.tumbling(ms(10)), Trigger.onTime(), 0, null, COUNT));
    assertThatThrownBy(() -> d.element("a", "x", Long.MIN_VALUE))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("has no event timestamp");
  }

  @Test
  void stateIsPurgedAfterLateness() throws Exception {
    WindowOperator w = new WindowOperator(op(Windows.sliding(ms(10), ms(2)), Trigger.onTime(), 3, null, COUNT));
    OperatorDriver d = new OperatorDriver(w);
    for (int i = 0; i < 1000; i++) {
      d.element("k" + (i % 7), i, i).watermark(i - 1);
    }
    d.watermark(1012);
    assertThat(w.keyCount()).isZero();
  }
}
