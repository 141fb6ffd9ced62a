package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.SideOutput;
import dev.sluice.api.Timestamped;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.StreamOperator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The harness machinery, on a small hand-written operator (independent of the engine's operators). */
class StreamOperatorHarnessTest {

  /**
   * Sums per key; emits "key=sum" stamped with the watermark when the watermark passes, "late:x" to
   * side output "late" for elements behind the watermark, and "tick@t" on each processing-time
   * callback it asked for (every 100 ms after the first element).
   */
  static class SumOperator implements StreamOperator {
    private OperatorContext ctx;
    private final Map<String, Integer> sums = new TreeMap<>();
    private long watermark = Long.MIN_VALUE;
    private boolean ticking;

    @Override
    public void open(OperatorContext c) {
      this.ctx = c;
    }

    @Override
    public void processElement(int input, Object key, Object value, long timestamp) {
      if (timestamp <= watermark) {
        ctx.output().emitSide("late", "late:" + value, timestamp);
        return;
      }
      sums.merge((String) key, (Integer) value, Integer::sum);
      if (!ticking) {
        ticking = true;
        ctx.requestProcessingTime(ctx.currentProcessingTime() + 100);
      }
    }

    @Override
    public void processWatermark(long w) {
      watermark = w;
      sums.forEach((k, v) -> ctx.output().emit(k + "=" + v, w));
      sums.clear();
      ctx.output().emitWatermark(w);
    }

    @Override
    public void onProcessingTime(long now) {
      ctx.output().emit("tick@" + now, Long.MIN_VALUE);
      ctx.requestProcessingTime(now + 100);
    }

    @Override
    public void finish() {
      processWatermark(Long.MAX_VALUE);
    }
  }

  static final SideOutput<String> LATE = SideOutput.of("late");

  @Test
  void drivesElementsWatermarksAndOutputs() {
    StreamOperatorHarness<String> h = StreamOperatorHarness.of(new SumOperator());
    h.processElement("a", 1, 5).processElement("b", 2, 6).processElement("a", 3, 7).processWatermark(10);
    h.assertOutputValues("a=4", "b=2");
    h.assertOutput(List.of(Timestamped.of("a=4", 10), Timestamped.of("b=2", 10)));
    assertThat(h.emittedWatermarks()).containsExactly(10L);
    h.processElement("a", 9, 3);
    h.assertSideOutputValues(LATE, "late:9");
    assertThat(h.sideOutput(LATE)).containsExactly(Timestamped.of("late:9", 3));
  }

  @Test
  void processingTimeMovesOnlyWhenTheTestMovesIt() {
    StreamOperatorHarness<String> h = StreamOperatorHarness.of(new SumOperator());
    h.processElement("a", 1, 5);
    h.assertNoOutput();
    h.advanceProcessingTime(Duration.ofMillis(99)).assertNoOutput();
    h.advanceProcessingTime(Duration.ofMillis(1)).assertOutputValues("tick@100");
    h.clearOutput().setProcessingTime(350).assertOutputValues("tick@200", "tick@300");
    assertThat(h.currentProcessingTime()).isEqualTo(350);
    assertThatThrownBy(() -> h.setProcessingTime(10)).hasMessageContaining("backwards");
  }

  @Test
  void endInputFlushesLikeTheEndOfABoundedJob() {
    StreamOperatorHarness<String> h = StreamOperatorHarness.of(new SumOperator());
    h.processElement("x", 5, 1).endInput();
    h.assertOutputValuesInAnyOrder("x=5");
    assertThat(h.emittedWatermarks()).containsExactly(Long.MAX_VALUE);
  }

  @Test
  void wrongExpectationsFailWithExpectedAndActual() {
    StreamOperatorHarness<String> h = StreamOperatorHarness.of(new SumOperator());
    h.processElement("a", 1, 5).processElement("b", 1, 5).processWatermark(10);
    assertThatThrownBy(() -> h.assertOutputValues("a=1")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected: [a=1]").hasMessageContaining("actual:   [a=1, b=1]");
    assertThatThrownBy(() -> h.assertOutputValues("b=1", "a=1")).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> h.assertOutputValuesInAnyOrder("b=1", "a=2")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("missing:  [a=2]").hasMessageContaining("unexpected: [a=1]");
    assertThatThrownBy(() -> h.assertOutputValuesInAnyOrder("b=1", "a=1", "a=1")).isInstanceOf(AssertionError.class);
    assertThatThrownBy(h::assertNoOutput).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> h.assertOutput(List.of(Timestamped.of("a=1", 9), Timestamped.of("b=1", 10))))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> h.assertSideOutputValues(LATE, "late:1")).isInstanceOf(AssertionError.class);
    // and the right ones pass
    h.assertOutputValuesInAnyOrder("b=1", "a=1").assertOutputValues("a=1", "b=1");
  }

  @Test
  void operatorFailuresReachTheTest() {
    StreamOperator failing = new StreamOperator() {
      @Override public void open(OperatorContext ctx) {}
      @Override public void processElement(int input, Object key, Object value, long timestamp) throws Exception {
        throw new java.io.IOException("cannot process " + value);
      }
      @Override public void processWatermark(long watermark) {}
      @Override public void finish() {}
    };
    StreamOperatorHarness<String> h = StreamOperatorHarness.of(failing);
    assertThatThrownBy(() -> h.processElement(null, "v", 1)).isInstanceOf(IllegalStateException.class)
        .hasCauseInstanceOf(java.io.IOException.class).hasMessageContaining("cannot process v");
  }
}
