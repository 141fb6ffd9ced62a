package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.KV;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.KeyGroups;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keyed aggregation's snapshot: by key group, copies of the accumulators, restorable at any parallelism. */
class AggregateSnapshotTest {
  @TempDir Path temp;

  private JobResources resources(long budget) {
    return new JobResources(new MemoryBudget(budget), Serde.forPlan(dev.sluice.api.Pipeline.create("t").plan()),
        temp, "t");
  }

  private AggregateNodes.Final count(JobResources r, Map<Object, Long> out) {
    AggregateNodes.Final f = new AggregateNodes.Final(1, "count", Aggregations.count(), false, r, true);
    f.down = rec -> {
      KV<?, ?> kv = (KV<?, ?>) rec;
      out.put(kv.key(), (Long) kv.value());
    };
    return f;
  }

  @Test
  void snapshotIsGroupedByKeyGroupAndDoesNotChangeWithTheTable() throws Exception {
    JobResources r = resources(64L << 20);
    AggregateNodes.Final f = count(r, new TreeMap<>());
    for (long i = 0; i < 1000; i++) {
      f.collect(new KV<>(i % 100, i));
    }
    Map<Integer, ArrayList<KV<Object, Object>>> snap = f.snapshot();
    assertThat(snap).isNotNull();
    snap.forEach((g, kvs) -> kvs.forEach(kv -> assertThat(KeyGroups.of(kv.key(), KeyGroups.DEFAULT_MAX)).isEqualTo(g)));
    for (long i = 0; i < 1000; i++) {
      f.collect(new KV<>(i % 100, i)); // live accumulators move on; the snapshot's copies must not
    }
    snap.values().forEach(kvs -> kvs.forEach(kv -> assertThat(((long[]) kv.value())[0]).isEqualTo(10)));

    // restore at parallelism 3: the three tasks together hold every key once
    Map<Object, Long> all = new TreeMap<>();
    for (int p = 0; p < 3; p++) {
      Map<Object, Long> out = new TreeMap<>();
      AggregateNodes.Final g = count(r, out);
      g.restore(List.of(snap), p, 3);
      g.finish();
      out.keySet().forEach(k -> assertThat(all).doesNotContainKey(k));
      all.putAll(out);
    }
    assertThat(all).hasSize(100).allSatisfy((k, v) -> assertThat(v).isEqualTo(10L));
  }

  @Test
  void spilledTableRefusesToSnapshotWithAReason() throws Exception {
    JobResources r = resources(1L << 16); // tiny budget: the table spills
    AggregateNodes.Final f = count(r, new TreeMap<>());
    for (long i = 0; i < 20_000; i++) {
      f.collect(new KV<>("key-" + i, i));
    }
    assertThat(f.snapshot()).isNull();
    assertThat(f.unsnapshottable()).contains("count (#1) has spilled").contains("not checkpointed")
        .contains("memory budget");
    f.close();
  }
}
