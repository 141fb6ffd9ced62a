package dev.sluice.core.stream.keyed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.SideOutput;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.ProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessOperatorTest {
  static final List<String> CALLS = new ArrayList<>();

  @Test
  void seesTimestampWatermarkAndProcessingTimeAndEmitsToSideOutputs() throws Exception {
    CALLS.clear();
    ProcessFunction<Integer, String> fn = new ProcessFunction<>() {
      @Override
      public void open() {
        CALLS.add("open");
      }

      @Override
      public void processElement(Integer v, Context ctx, Collector<String> out) {
        if (v < 0) {
          ctx.output(SideOutput.of("negative"), v);
        } else {
          out.collect(v + " ts=" + ctx.timestamp() + " wm=" + ctx.currentWatermark() + " now=" + ctx.currentProcessingTime());
        }
      }

      @Override
      public void close() {
        CALLS.add("close");
      }
    };
    OperatorDriver d = new OperatorDriver(new ProcessOperator(new Op.Process(fn)));
    d.element(null, 1, 10).watermark(5).advanceProcessingTimeTo(77).element(null, -2, 11).element(null, 3, Long.MIN_VALUE);
    d.watermark(12).endInput(1);
    d.close();
    assertThat(d.output()).containsExactly(
        new Emitted("1 ts=10 wm=" + Long.MIN_VALUE + " now=0", 10),
        new Emitted("3 ts=" + Long.MIN_VALUE + " wm=5 now=77", Long.MIN_VALUE));
    assertThat(d.sideOutput("negative")).containsExactly(new Emitted(-2, 11));
    assertThat(d.emittedWatermarks()).containsExactly(5L, 12L);
    assertThat(CALLS).containsExactly("open", "close");
  }
}
