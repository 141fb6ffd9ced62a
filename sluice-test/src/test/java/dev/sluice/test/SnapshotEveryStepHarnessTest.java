package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.SideOutput;
import dev.sluice.api.plan.Op;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.join.IntervalJoinOperator;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The harnesses' {@code snapshotAndRestoreEveryStep()} mode (checkpointing checked as Jet's TestSupport does). */
class SnapshotEveryStepHarnessTest {
  static final SideOutput<String> LATE = SideOutput.of("late");

  @Test
  void windowsSurviveASnapshotAtEveryStep() {
    var h = WindowHarness.of((String s) -> s.substring(0, 1), Windows.sliding(Duration.ofMillis(20), Duration.ofMillis(10)))
        .allowedLateness(Duration.ofMillis(5))
        .lateElementsTo(LATE)
        .count()
        .snapshotAndRestoreEveryStep();
    h.processElement("a1", 1).processElement("a2", 13).processElement("b1", 12).processWatermark(19);
    h.processElement("a3", 15).processWatermark(40).processElement("a4", 2);
    h.endInput();
    h.assertOutputValuesInAnyOrder(
        new Windowed<>("a", new Window(-10, 10), 1L), new Windowed<>("a", new Window(0, 20), 2L),
        new Windowed<>("b", new Window(0, 20), 1L), new Windowed<>("a", new Window(0, 20), 3L),
        new Windowed<>("a", new Window(10, 30), 2L), new Windowed<>("b", new Window(10, 30), 1L));
    h.assertSideOutputValues(LATE, "a4");
  }

  @Test
  void earlyFiringsAndProcessingTime() {
    var h = WindowHarness.of((String s) -> s.substring(0, 1), Windows.tumbling(Duration.ofMillis(100)))
        .trigger(Trigger.earlyEvery(Duration.ofMillis(10)))
        .count()
        .snapshotAndRestoreEveryStep();
    h.processElement("a1", 1).setProcessingTime(5).processElement("a2", 2).setProcessingTime(10);
    h.processElement("a3", 3).setProcessingTime(30).processWatermark(99);
    h.assertOutputValues(new Windowed<>("a", new Window(0, 100), 2L), new Windowed<>("a", new Window(0, 100), 3L),
        new Windowed<>("a", new Window(0, 100), 3L));
  }

  @Test
  void keyedProcessFunctionStateAndTimers() {
    var h = KeyedProcessFunctionHarness.of(new KeyedProcessFunctionHarnessTest.CountThenReport(), (String s) -> s.substring(0, 1))
        .snapshotAndRestoreEveryStep();
    h.processElement("a", 1).processElement("ab", 2).processElement("b", 5).processWatermark(11);
    h.assertOutputValues("a:2@EVENT_TIME");
    h.setProcessingTime(1000);
    h.assertOutputValuesInAnyOrder("a:2@EVENT_TIME", "a:null@PROCESSING_TIME", "b:1@PROCESSING_TIME");
    assertThat(h.value(KeyedProcessFunctionHarnessTest.CountThenReport.COUNT, "b")).isNull();
  }

  @Test
  void anyOperatorMadeByASupplier() {
    var h = StreamOperatorHarness.<KV<Object, Joined<Object, Object>>>of(
        () -> new IntervalJoinOperator(new Op.IntervalJoin(null, null, -5, 5))).snapshotAndRestoreEveryStep();
    h.processElement(0, "k", "l1", 10).processElement(1, "k", "r1", 12).processWatermark(20)
        .processElement(1, "k", "r2", 22).processElement(0, "k", "l2", 26).endInputs(2);
    h.assertOutputValues(new KV<>("k", new Joined<>("l1", "r1")), new KV<>("k", new Joined<>("l2", "r2")));
  }

  /** Counts elements and emits the count at the end, but forgets to snapshot it. */
  static final class ForgetfulCounter implements StreamOperator {
    private OperatorContext ctx;
    private long count;

    @Override public void open(OperatorContext ctx) { this.ctx = ctx; }
    @Override public void processElement(int input, Object key, Object value, long timestamp) {
      count++;
      ctx.output().emit(count, timestamp);
    }
    @Override public void processWatermark(long watermark) { ctx.output().emitWatermark(watermark); }
    @Override public void finish() {}
  }

  @Test
  void anOperatorThatLosesStateFailsTheStep() {
    var h = StreamOperatorHarness.<Long>of(ForgetfulCounter::new).snapshotAndRestoreEveryStep();
    h.processElement(null, "x", 1);
    assertThatThrownBy(() -> h.processElement(null, "y", 2))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("after step 2")
        .hasMessageContaining("missing: [output Emitted[value=2, timestamp=2]]");
    assertThatThrownBy(() -> StreamOperatorHarness.of(new ForgetfulCounter()).snapshotAndRestoreEveryStep())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
