package dev.sluice.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Aggregations;
import dev.sluice.api.Dataset;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.plan.LogicalPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerTest {

  private static Dataset<String> words(Pipeline p) {
    return p.fromCollection(List.of("a b", "b c")).flatMap(line -> List.of(line.split(" ")));
  }

  @Test
  void wordCountIsTwoStagesWithMapSideCombineAndFusedChains() {
    Pipeline p = Pipeline.create("wc");
    words(p).filter(w -> !w.isEmpty()).keyBy(w -> w).count().map(KV::key).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 3);
    assertThat(plan.stages()).hasSize(2);
    assertThat(plan.exchanges()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(ExchangeKind.HASH);
      assertThat(e.combined()).as("count combines map-side").isTrue();
      assertThat(e.producerStage()).isZero();
      assertThat(e.consumerStage()).isEqualTo(1);
    });
    assertThat(plan.stages().get(0).transforms()).containsExactly(0, 1, 2);
    assertThat(plan.stages().get(1).transforms()).containsExactly(3, 4, 5);
    assertThat(plan.stages().get(1).parallelism()).isEqualTo(3);
    assertThat(plan.explain())
        .contains("Stage 0 (parallelism 3, one task per source split)")
        .contains("-> exchange 0 hash(key) after combine(count) to stage 1 (3 partitions)")
        .contains("#3 aggregate(count)");
  }

  @Test
  void aggregationWithoutCombineShufflesRawRecords() {
    Pipeline p = Pipeline.create("nocombine");
    words(p).keyBy(w -> w)
        .aggregate(Aggregations.<String, StringBuilder, String>of("concat", StringBuilder::new, StringBuilder::append,
            null, StringBuilder::toString))
        .write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2);
    assertThat(plan.exchanges()).singleElement().satisfies(e -> assertThat(e.combined()).isFalse());
  }

  @Test
  void unionOfTwoSourcesIsOneStageAndFanOutNeedsNoExchange() {
    Pipeline p = Pipeline.create("union");
    Dataset<String> a = words(p);
    Dataset<String> b = p.fromCollection(List.of("x"));
    Dataset<String> u = a.union(b);
    u.write(new CollectSink<>());
    u.map(String::length).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2);
    assertThat(plan.stages()).hasSize(1);
    assertThat(plan.stages().get(0).sources()).hasSize(2);
    assertThat(plan.exchanges()).isEmpty();
  }

  @Test
  void joinReadsTwoHashExchangesAndSortARangeExchange() {
    Pipeline p = Pipeline.create("join");
    var left = words(p).keyBy(w -> w);
    var right = p.fromCollection(List.of("a")).keyBy(w -> w);
    left.join(right).map(KV::key).sortBy(s -> s).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2);
    assertThat(plan.stages()).hasSize(4);
    assertThat(plan.exchanges()).extracting(ExchangeSpec::kind)
        .containsExactly(ExchangeKind.HASH, ExchangeKind.HASH, ExchangeKind.RANGE);
    assertThat(plan.exchanges().get(1).toInput()).isEqualTo(1);
  }

  @Test
  void parallelismChangeInsertsARebalance() {
    Pipeline p = Pipeline.create("par");
    words(p).keyBy(w -> w).count().map(KV::key).withParallelism(1).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 4);
    assertThat(plan.exchanges()).extracting(ExchangeSpec::kind).containsExactly(ExchangeKind.HASH, ExchangeKind.REBALANCE);
    assertThat(plan.stages().get(2).parallelism()).isEqualTo(1);
  }

  @Test
  void unionOfSourceAndShuffledInputRebalancesTheSourceSide() {
    Pipeline p = Pipeline.create("mixed");
    Dataset<String> counted = words(p).keyBy(w -> w).count().map(KV::key);
    counted.union(p.fromCollection(List.of("z"))).write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2);
    assertThat(plan.exchanges()).extracting(ExchangeSpec::kind).containsExactly(ExchangeKind.HASH, ExchangeKind.REBALANCE);
    for (StageSpec s : plan.stages()) {
      assertThat(s.sourceDriven() && !s.inputs().isEmpty()).as("stage " + s.id() + " mixes sources and exchanges").isFalse();
    }
  }

  @Test
  void unusedBranchesAreNotPlannedAndAPipelineWithoutOutputIsRejected() {
    Pipeline p = Pipeline.create("dead");
    Dataset<String> w = words(p);
    w.keyBy(x -> x).count();
    w.write(new CollectSink<>());
    PhysicalPlan plan = Planner.plan(p.plan(), 2);
    assertThat(plan.exchanges()).isEmpty();
    assertThat(plan.live()).containsExactly(0, 1, 3);

    Pipeline none = Pipeline.create("none");
    words(none);
    assertThatThrownBy(() -> Planner.plan(none.plan(), 2)).hasMessageContaining("has no output");
  }

  @Test
  void planningIsPureAndRepeatable() {
    Pipeline p = Pipeline.create("pure");
    words(p).keyBy(w -> w).count().write(new CollectSink<>());
    LogicalPlan logical = p.plan();
    LogicalPlan copy = new LogicalPlan(logical.name(), logical.transforms(), logical.codecs(), logical.allowedTypes());
    String first = Planner.plan(logical, 2).explain();
    assertThat(Planner.plan(logical, 2).explain()).isEqualTo(first);
    assertThat(logical).isEqualTo(copy);
  }
}
