package dev.sluice.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Aggregations;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.SideOutput;
import dev.sluice.api.time.WatermarkGenerator;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming API's value types and the shared operator contract's helpers. */
class StreamContractsTest {

  @Test
  void tumblingWindowStartsAlignToSizeAndOffsetAlsoForNegativeTimes() {
    WindowSpec w = Windows.tumbling(Duration.ofMillis(10));
    assertThat(w.lastStart(0)).isEqualTo(0);
    assertThat(w.lastStart(9)).isEqualTo(0);
    assertThat(w.lastStart(10)).isEqualTo(10);
    assertThat(w.lastStart(-1)).isEqualTo(-10);
    WindowSpec shifted = Windows.tumbling(Duration.ofMillis(10), Duration.ofMillis(3));
    assertThat(shifted.lastStart(2)).isEqualTo(-7);
    assertThat(shifted.lastStart(3)).isEqualTo(3);
    assertThat(shifted.lastStart(12)).isEqualTo(3);
  }

  @Test
  void slidingWindowLastStartContainsTheTimestampForRandomInputs() {
    Random rnd = new Random(7);
    for (int i = 0; i < 1000; i++) {
      long size = 1 + rnd.nextInt(100);
      long slide = 1 + rnd.nextInt((int) size);
      long ts = rnd.nextLong() >> 20;
      long start = Windows.sliding(Duration.ofMillis(size), Duration.ofMillis(slide)).lastStart(ts);
      assertThat(start).as("size %d slide %d ts %d", size, slide, ts).isLessThanOrEqualTo(ts);
      assertThat(ts - start).isLessThan(slide);
      assertThat(Math.floorMod(start, slide)).isZero();
    }
  }

  @Test
  void invalidWindowSpecsNameTheBadValue() {
    assertThatThrownBy(() -> Windows.sliding(Duration.ofMillis(10), Duration.ofMillis(20)))
        .hasMessageContaining("slide").hasMessageContaining("20 ms");
    assertThatThrownBy(() -> Windows.tumbling(Duration.ZERO)).hasMessageContaining("size must be positive, was 0");
    assertThatThrownBy(() -> Windows.session(Duration.ofMillis(-5))).hasMessageContaining("gap must be positive, was -5");
    assertThatThrownBy(() -> Trigger.count(0)).hasMessageContaining("was 0");
    assertThatThrownBy(() -> new Window(5, 5)).hasMessageContaining("[5, 5)");
  }

  @Test
  void windowsCoverAndContain() {
    Window a = new Window(0, 10);
    Window b = new Window(10, 15);
    assertThat(a.maxTimestamp()).isEqualTo(9);
    assertThat(a.contains(9)).isTrue();
    assertThat(a.contains(10)).isFalse();
    assertThat(a.intersects(b)).isTrue();
    assertThat(a.cover(b)).isEqualTo(new Window(0, 15));
    assertThat(Window.GLOBAL.toString()).isEqualTo("[global]");
  }

  @Test
  void boundedOutOfOrdernessWatermarkTrailsTheLargestTimestamp() {
    WatermarkGenerator<String> g = WatermarkStrategy.<String>boundedOutOfOrderness(Duration.ofMillis(5)).generator().create();
    assertThat(g.currentWatermark()).isEqualTo(Long.MIN_VALUE);
    g.onEvent("a", 100);
    g.onEvent("b", 90);
    assertThat(g.currentWatermark()).isEqualTo(94);
    g.onEvent("c", 120);
    assertThat(g.currentWatermark()).isEqualTo(114);
    WatermarkGenerator<String> m = WatermarkStrategy.<String>monotonous().generator().create();
    m.onEvent("a", 7);
    assertThat(m.currentWatermark()).isEqualTo(6);
    assertThatThrownBy(() -> WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(5)).withIdleness(Duration.ZERO))
        .hasMessageContaining("idle timeout must be positive");
  }

  @Test
  void keyGroupRangesPartitionTheGroupsContiguouslyAtEveryParallelism() {
    for (int maxGroups : new int[] {1, 7, 128, 1000}) {
      for (int p = 1; p <= Math.min(maxGroups, 16); p++) {
        int expected = 0;
        for (int g = 0; g < maxGroups; g++) {
          int owner = KeyGroups.partitionOf(g, maxGroups, p);
          assertThat(owner).isBetween(expected, expected + 1);
          if (owner == expected + 1) {
            expected++;
          }
          assertThat(KeyGroups.firstGroup(owner, maxGroups, p)).isLessThanOrEqualTo(g);
          if (owner + 1 < p) {
            assertThat(KeyGroups.firstGroup(owner + 1, maxGroups, p)).isGreaterThan(g);
          }
        }
        assertThat(expected).as("last owner at p=%d of %d groups", p, maxGroups).isEqualTo(p - 1);
      }
    }
    assertThat(KeyGroups.of("x", 128)).isEqualTo(KeyGroups.of(new String("x"), 128)).isBetween(0, 127);
  }

  @Test
  void runOptionsModes() {
    assertThat(RunOptions.defaults().mode()).isEqualTo(RunOptions.Mode.AUTO);
    assertThat(RunOptions.batch().mode()).isEqualTo(RunOptions.Mode.BATCH);
    assertThat(RunOptions.streaming().withParallelism(3).mode()).isEqualTo(RunOptions.Mode.STREAMING);
    assertThat(RunOptions.streaming().withParallelism(3).parallelism()).isEqualTo(3);
  }

  @Test
  void sideOutputsAreOnlyReadFromOperatorsThatHaveThem() {
    Pipeline p = Pipeline.create("t");
    var mapped = p.fromCollection(List.of(1, 2)).map(x -> x);
    assertThatThrownBy(() -> mapped.sideOutput(SideOutput.of("late")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("window or process");
    var counts = p.fromCollection(List.of(1, 2)).keyBy(x -> x).window(Windows.tumbling(Duration.ofSeconds(1))).count();
    assertThatThrownBy(() -> counts.sideOutput(SideOutput.of("late")))
        .hasMessageContaining("lateElementsTo");
    var tagged = p.fromCollection(List.of(1, 2)).keyBy(x -> x).window(Windows.tumbling(Duration.ofSeconds(1)))
        .lateElementsTo(SideOutput.<Integer>of("late")).aggregate(Aggregations.count());
    assertThat(tagged.sideOutput(SideOutput.<Integer>of("late")).id()).isGreaterThan(tagged.id());
  }

  @Test
  void operatorDriverCallsBackRequestedProcessingTimesInOrderAndRejectsBackwardWatermarks() throws Exception {
    List<Long> calls = new ArrayList<>();
    StreamOperator op = new StreamOperator() {
      OperatorContext ctx;
      @Override public void open(OperatorContext c) { ctx = c; c.requestProcessingTime(30); c.requestProcessingTime(10); }
      @Override public void processElement(int input, Object key, Object value, long ts) { ctx.output().emit(value, ts); }
      @Override public void processWatermark(long w) { ctx.output().emitWatermark(w); }
      @Override public void onProcessingTime(long now) { calls.add(now); }
      @Override public void finish() { ctx.output().emit("end", Long.MAX_VALUE); }
    };
    OperatorDriver d = new OperatorDriver(op);
    d.element("k", "a", 5).watermark(4).advanceProcessingTimeTo(20);
    assertThat(calls).containsExactly(10L);
    d.advanceProcessingTimeTo(40);
    assertThat(calls).containsExactly(10L, 30L);
    assertThatThrownBy(() -> d.watermark(3)).hasMessageContaining("backwards");
    d.endInput(1);
    assertThat(d.values()).containsExactly("a", "end");
    assertThat(d.emittedWatermarks()).containsExactly(4L);
  }
}
