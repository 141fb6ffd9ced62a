package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.SideOutput;
import dev.sluice.api.Timestamped;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.ProcessFunction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs once sluice-core has the process operator (issue 3); skipped before. */
class ProcessFunctionHarnessTest {
  static final SideOutput<String> SHORT = SideOutput.of("short");

  /** Long words to the main output stamped +1, short ones to a side output; sees the watermark. */
  static final class Split extends ProcessFunction<String, String> {
    @Override
    public void processElement(String value, Context ctx, Collector<String> out) {
      if (value.length() < 3) {
        ctx.output(SHORT, value);
      } else {
        out.collect(value + "/" + ctx.timestamp() + "/" + ctx.currentWatermark());
      }
    }
  }

  @Test
  void mainAndSideOutputs() {
    var h = ProcessFunctionHarness.of(new Split());
    h.processWatermark(5).processElement("hello", 10).processElement("hi", 11);
    h.assertOutputValues("hello/10/5");
    assertThat(h.output()).containsExactly(Timestamped.of("hello/10/5", 10));
    h.assertSideOutputValues(SHORT, "hi");
    assertThat(h.emittedWatermarks()).containsExactly(5L);
    assertThatThrownBy(() -> h.assertOutputValues(List.of("hello/10/4"))).isInstanceOf(AssertionError.class);
  }
}
