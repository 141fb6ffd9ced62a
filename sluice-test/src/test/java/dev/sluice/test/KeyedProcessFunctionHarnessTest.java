package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.SideOutput;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.stream.InspectableKeyedState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Runs once sluice-core has the keyed process operator (issue 3); skipped before. */
class KeyedProcessFunctionHarnessTest {

  /** Counts per key; 10 ms (event time) after a key's first element emits "key:count"; "odd" lengths to a side output. */
  static final class CountThenReport extends KeyedProcessFunction<String, String, String> {
    static final StateSpec<ValueState<Integer>> COUNT = StateSpec.value("count");
    static final SideOutput<String> ODD = SideOutput.of("odd");
    private ValueState<Integer> count;

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(COUNT);
    }

    @Override
    public void processElement(String value, Context<String> ctx, Collector<String> out) {
      Integer c = count.value();
      if (c == null) {
        c = 0;
        ctx.timers().registerEventTimeTimer(ctx.timestamp() + 10);
        ctx.timers().registerProcessingTimeTimer(ctx.timers().currentProcessingTime() + 1000);
      }
      count.update(c + 1);
      if (value.length() % 2 == 1) {
        ctx.output(ODD, value);
      }
    }

    @Override
    public void onTimer(long timestamp, TimerContext<String> ctx, Collector<String> out) {
      out.collect(ctx.currentKey() + ":" + count.value() + "@" + ctx.timeDomain());
      count.clear();
    }
  }

  static KeyedProcessFunctionHarness<String, String, String> harness() {
    return KeyedProcessFunctionHarness.of(new CountThenReport(), (String s) -> s.substring(0, 1));
  }

  @Test
  void eventTimeTimersFireWhenTheWatermarkPasses() {
    var h = harness();
    h.processElement("a1", 100).processElement("a22", 105).processElement("b1", 101);
    h.processWatermark(109).assertNoOutput();
    h.assertSideOutputValues(CountThenReport.ODD, "a22");
    h.processWatermark(110).assertOutputValues("a:2@EVENT_TIME");
    h.clearOutput().processWatermark(111).assertOutputValues("b:1@EVENT_TIME");
    // a wrong expectation fails
    assertThatThrownBy(() -> h.assertOutputValues("b:2@EVENT_TIME")).isInstanceOf(AssertionError.class);
  }

  @Test
  void processingTimeTimersFireOnTheVirtualClock() {
    var h = harness();
    h.setProcessingTime(500).processElement("a1", 100);
    h.advanceProcessingTime(Duration.ofMillis(999)).assertNoOutput();
    h.advanceProcessingTime(Duration.ofMillis(1)).assertOutputValues("a:1@PROCESSING_TIME");
  }

  @Test
  void stateAndTimersCanBeInspected() {
    var h = harness();
    h.processElement("a1", 100).processElement("a2", 101);
    assertThat(h.value(CountThenReport.COUNT, "a")).isEqualTo(2);
    assertThat(h.value(CountThenReport.COUNT, "b")).isNull();
    assertThat(h.eventTimeTimers("a")).containsExactly(110L);
    assertThat(h.processingTimeTimers("a")).containsExactly(1000L);
    h.processWatermark(200);
    assertThat(h.eventTimeTimers("a")).isEmpty();
    assertThat(h.value(CountThenReport.COUNT, "a")).isNull();
  }

}
