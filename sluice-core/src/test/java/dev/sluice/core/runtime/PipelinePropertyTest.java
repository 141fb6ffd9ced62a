package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Aggregations;
import dev.sluice.api.Dataset;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.SerializableComparator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random pipelines over random inputs must give the answer of a plain-Java reference evaluation, at
 * parallelism 1, 2 and 4, with a normal and with a tiny memory budget (every stateful operator
 * spills), and with random task failures that retries must hide. The same pipelines also run on the
 * streaming runtime (without injected failures: streaming has no task retry before checkpoints) and
 * must give the same answer. Each case prints its seed; rerun a failing one by putting the seed into
 * {@link #cases}.
 */
class PipelinePropertyTest {
  private static final int CASES_PER_CONFIG = 12;
  /** Records that already made a task fail once, per test run (functions are shared, not serialized). */
  static final Set<String> FAILED_ONCE = ConcurrentHashMap.newKeySet();

  @TempDir Path temp;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    long base = Long.getLong("sluice.test.seed", 20261122L);
    for (int parallelism : new int[] {1, 2, 4}) {
      for (boolean tiny : new boolean[] {false, true}) {
        for (int i = 0; i < CASES_PER_CONFIG; i++) {
          long seed = base * 1_000_003L + parallelism * 1000L + (tiny ? 500 : 0) + i;
          out.add(Arguments.of(seed, parallelism, tiny, i % 3 == 0, RunOptions.Mode.BATCH));
          if (i < CASES_PER_CONFIG * 2 / 3) {
            out.add(Arguments.of(seed, parallelism, tiny, false, RunOptions.Mode.STREAMING));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "seed={0} parallelism={1} tinyMemory={2} failures={3} mode={4}")
  @MethodSource("cases")
  void randomPipelineMatchesReference(long seed, int parallelism, boolean tinyMemory, boolean injectFailures,
                                      RunOptions.Mode mode) throws Exception {
    Random rnd = new Random(seed);
    List<Integer> input = randomInts(rnd, rnd.nextInt(3000), 1 + rnd.nextInt(500));
    List<Integer> other = randomInts(rnd, rnd.nextInt(800), 1 + rnd.nextInt(200));
    String run = "run-" + seed + "-" + parallelism + "-" + tinyMemory + "-" + mode;
    double failRate = injectFailures ? 0.05 : 0;

    Pipeline p = Pipeline.create("property");
    Dataset<Integer> ds = p.fromCollection(input);
    List<Integer> ref = new ArrayList<>(input);
    StringBuilder shape = new StringBuilder("collection");
    int steps = 1 + rnd.nextInt(4);
    for (int s = 0; s < steps; s++) {
      int kind = rnd.nextInt(6);
      int k = 2 + rnd.nextInt(9);
      switch (kind) {
        case 0 -> {
          ds = ds.map(x -> x * 3 + k);
          ref = map(ref, x -> x * 3 + k);
          shape.append(" -> map(*3+").append(k).append(')');
        }
        case 1 -> {
          ds = ds.filter(x -> Math.floorMod(x, k) != 0);
          ref.removeIf(x -> Math.floorMod(x, k) == 0);
          shape.append(" -> filter(%").append(k).append(')');
        }
        case 2 -> {
          ds = ds.flatMap((Integer x, dev.sluice.api.function.Collector<Integer> o) -> {
            if (Math.floorMod(x, k) == 0) {
              o.collect(x);
              o.collect(x + 1);
            } else if (Math.floorMod(x, k) != 1) {
              o.collect(x);
            }
          });
          List<Integer> next = new ArrayList<>();
          for (int x : ref) {
            if (Math.floorMod(x, k) == 0) {
              next.add(x);
              next.add(x + 1);
            } else if (Math.floorMod(x, k) != 1) {
              next.add(x);
            }
          }
          ref = next;
          shape.append(" -> flatMap(").append(k).append(')');
        }
        case 3 -> {
          ds = ds.keyBy(x -> Math.floorMod(x, k)).count().map(kv -> kv.key() * 100_000 + kv.value().intValue());
          Map<Integer, Integer> counts = new HashMap<>();
          for (int x : ref) {
            counts.merge(Math.floorMod(x, k), 1, Integer::sum);
          }
          ref = map(new ArrayList<>(counts.entrySet()), e -> e.getKey() * 100_000 + e.getValue());
          shape.append(" -> count(%").append(k).append(')');
        }
        case 4 -> {
          ds = ds.union(p.fromCollection(other));
          ref.addAll(other);
          shape.append(" -> union(other)");
        }
        default -> {
          ds = ds.rebalance();
          shape.append(" -> rebalance");
        }
      }
      if (failRate > 0 && rnd.nextBoolean()) {
        int step = s;
        ds = ds.map(x -> failOnce(run + "/" + step, x, failRate));
      }
    }
    String description = "seed " + seed + " (" + mode + ", parallelism " + parallelism + "): " + shape;
    // A final stateful shape, checked against the reference.
    int last = rnd.nextInt(7);
    int k = 1 + rnd.nextInt(50);
    RunOptions options = RunOptions.defaults().withMode(mode).withParallelism(parallelism).withTempDir(temp)
        .withRetryBackoff(Duration.ZERO).withMaxAttempts(6)
        .withMemoryBudget(tinyMemory ? 1 : 0);
    switch (last) {
      case 0 -> {
        List<KV<Integer, Long>> got = ds.keyBy(x -> Math.floorMod(x, k)).sum(x -> x).collect(options);
        Map<Integer, Long> want = new HashMap<>();
        for (int x : ref) {
          want.merge(Math.floorMod(x, k), (long) x, Long::sum);
        }
        assertThat(toMap(got)).as(description + " -> sum").isEqualTo(want);
      }
      case 1 -> {
        List<KV<Integer, Integer>> got = ds.keyBy(x -> Math.floorMod(x, k))
            .max(SerializableComparator.naturalOrder()).collect(options);
        Map<Integer, Integer> want = new HashMap<>();
        for (int x : ref) {
          want.merge(Math.floorMod(x, k), x, Math::max);
        }
        assertThat(toMap(got)).as(description + " -> max").isEqualTo(want);
      }
      case 2 -> {
        // An aggregation without combine: no map-side combining, sort-based when spilling.
        Aggregation<Integer, List<Integer>, Integer> sumOfList = Aggregations.of("sumList", ArrayList::new,
            (a, v) -> { a.add(v); return a; }, null, a -> a.stream().mapToInt(Integer::intValue).sum());
        List<KV<Integer, Integer>> got = ds.keyBy(x -> Math.floorMod(x, k)).aggregate(sumOfList).collect(options);
        Map<Integer, Integer> want = new HashMap<>();
        for (int x : ref) {
          want.merge(Math.floorMod(x, k), x, Integer::sum);
        }
        assertThat(toMap(got)).as(description + " -> aggregate without combine").isEqualTo(want);
      }
      case 3 -> {
        List<Integer> got = ds.distinct().collect(options);
        assertThat(sorted(got)).as(description + " -> distinct").isEqualTo(sorted(new ArrayList<>(Set.copyOf(ref))));
      }
      case 4 -> {
        List<Integer> got = ds.sortBy(SerializableComparator.<Integer>naturalOrder()).collect(options);
        assertThat(got).as(description + " -> sort").isEqualTo(sorted(ref));
      }
      case 5, 6 -> {
        boolean left = last == 6;
        Dataset<Integer> right = p.fromCollection(other);
        var keyedLeft = ds.keyBy(x -> Math.floorMod(x, k));
        var keyedRight = right.keyBy(x -> Math.floorMod(x, k));
        List<KV<Integer, Joined<Integer, Integer>>> got =
            (left ? keyedLeft.leftJoin(keyedRight) : keyedLeft.join(keyedRight)).collect(options);
        Map<Integer, List<Integer>> byKey = new HashMap<>();
        for (int y : other) {
          byKey.computeIfAbsent(Math.floorMod(y, k), key -> new ArrayList<>()).add(y);
        }
        List<String> want = new ArrayList<>();
        for (int x : ref) {
          List<Integer> matches = byKey.getOrDefault(Math.floorMod(x, k), List.of());
          if (matches.isEmpty() && left) {
            want.add(Math.floorMod(x, k) + ":" + x + "/null");
          }
          for (int y : matches) {
            want.add(Math.floorMod(x, k) + ":" + x + "/" + y);
          }
        }
        List<String> gotStrings = map(got, kv -> kv.key() + ":" + kv.value().left() + "/" + kv.value().right());
        assertThat(sorted(gotStrings)).as(description + (left ? " -> leftJoin" : " -> join")).isEqualTo(sorted(want));
      }
      default -> throw new AssertionError(last);
    }
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.toList()).as(description + ": spill files left behind").isEmpty();
    }
  }

  static Integer failOnce(String site, Integer x, double rate) {
    // Each injection site fails once, at a random record (chosen by hash; the first such record to arrive).
    if (new Random(site.hashCode() * 31L + x).nextDouble() < rate && FAILED_ONCE.add(site)) {
      throw new IllegalStateException("injected failure at record " + x);
    }
    return x;
  }

  private static List<Integer> randomInts(Random rnd, int n, int range) {
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(rnd.nextInt(range) - range / 4);
    }
    return out;
  }

  private static <A, B> List<B> map(List<A> in, java.util.function.Function<A, B> fn) {
    List<B> out = new ArrayList<>(in.size());
    for (A a : in) {
      out.add(fn.apply(a));
    }
    return out;
  }

  private static <K, V> Map<K, V> toMap(List<KV<K, V>> kvs) {
    Map<K, V> m = new LinkedHashMap<>();
    for (KV<K, V> kv : kvs) {
      assertThat(m.put(kv.key(), kv.value())).as("duplicate key " + kv.key()).isNull();
    }
    return m;
  }

  private static <T extends Comparable<? super T>> List<T> sorted(List<T> in) {
    List<T> out = new ArrayList<>(in);
    Collections.sort(out);
    return out;
  }
}
