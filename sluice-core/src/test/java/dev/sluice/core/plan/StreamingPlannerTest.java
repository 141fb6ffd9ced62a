package dev.sluice.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Pipeline;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.internal.CollectSink;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the planner lays out the streaming-only operators. */
class StreamingPlannerTest {
  static final class Noop extends KeyedProcessFunction<Integer, Integer, Integer> {
    @Override public void processElement(Integer value, Context<Integer> ctx, Collector<Integer> out) {}
  }

  @Test
  void keyedProcessIsFedByAKeyGroupHashExchange() {
    Pipeline p = Pipeline.create("kp");
    p.fromCollection(List.of(1, 2, 3)).map(x -> x + 1).keyBy(x -> x % 2).process(new Noop()).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 3, true);
    assertThat(plan.streaming()).isTrue();
    assertThat(plan.exchanges()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(ExchangeKind.HASH);
      assertThat(e.key()).isNotNull();
      assertThat(e.combined()).isFalse();
    });
    assertThat(plan.explain()).contains("Mode: streaming").contains("hash(key groups)");
  }

  @Test
  void enrichKeepsTheStreamInPlaceAndBroadcastsTheTable() {
    Pipeline p = Pipeline.create("enrich");
    var stream = p.fromCollection(List.of(1, 2, 3)).map(x -> x * 2).keyBy(x -> x);
    var table = p.fromCollection(List.of(2, 4)).keyBy(x -> x);
    stream.enrich(table).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2, true);
    assertThat(plan.exchanges()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(ExchangeKind.BROADCAST);
      assertThat(e.toInput()).isEqualTo(1);
    });
    int enrich = 4;
    assertThat(plan.stageOf()[enrich]).as("enrich fused with its stream input").isEqualTo(plan.stageOf()[1]);
    assertThat(plan.explain()).contains("broadcast");
  }

  @Test
  void streamJoinsHashBothInputs() {
    Pipeline p = Pipeline.create("ij");
    var a = p.fromCollection(List.of(1, 2)).keyBy(x -> x);
    var b = p.fromCollection(List.of(1, 2)).keyBy(x -> x);
    a.intervalJoin(b, Duration.ofSeconds(-1), Duration.ofSeconds(1)).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2, true);
    assertThat(plan.exchanges()).hasSize(2).allSatisfy(e -> {
      assertThat(e.kind()).isEqualTo(ExchangeKind.HASH);
      assertThat(e.key()).isNotNull();
    });
  }

  @Test
  void batchPlansRejectStreamingOnlyOperators() {
    Pipeline p = Pipeline.create("kp");
    p.fromCollection(List.of(1)).keyBy(x -> x).process(new Noop()).write(new CollectSink<>());
    assertThatThrownBy(() -> Planner.plan(p.plan(), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs the streaming runtime");
    assertThat(Planner.plan(p.plan(), 2, true).explain()).contains("Mode: streaming");
  }
}
