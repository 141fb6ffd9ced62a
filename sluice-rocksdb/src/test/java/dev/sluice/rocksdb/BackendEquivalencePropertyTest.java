package dev.sluice.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.state.HeapKeyedStateBackend;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateBackend;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random operations on every state kind (with and without TTL), timers, expiry sweeps and
 * snapshot/restore cycles (also into two partitions and back) run against the heap backend and the
 * RocksDB backend side by side: every read must give the same answer. Seeded; the seed is in the
 * failure message and {@code -Dsluice.test.seed=<n>} reruns it.
 */
class BackendEquivalencePropertyTest {
  private static final int MAX = KeyGroups.DEFAULT_MAX;
  private static final Duration TTL = Duration.ofMillis(50);

  @TempDir
  Path tmp;

  private final Serde serde = new Serde(Map.of(), Set.of());
  private final long[] clock = {0};
  private final List<KeyedStateBackend> open = new ArrayList<>();

  /** The same operation on both backends. */
  private final class Pair {
    KeyedStateBackend heap;
    KeyedStateBackend rocks;

    Pair(KeyGroupRange range) {
      heap = new HeapKeyedStateBackend(MAX, range, () -> clock[0]);
      rocks = new RocksDbKeyedStateBackend("property", MAX, range, () -> clock[0], serde, tmp);
      open.add(heap);
      open.add(rocks);
    }
  }

  @Test
  void randomOperationsReadTheSameOnHeapAndRocksDb() throws Exception {
    long base = Long.getLong("sluice.test.seed", 20261130L);
    try {
      for (int run = 0; run < 5; run++) {
        long seed = base + run;
        clock[0] = 0;
        runCase(seed, 3000);
      }
    } finally {
      for (KeyedStateBackend b : open) {
        b.close();
      }
    }
  }

  private void runCase(long seed, int steps) throws Exception {
    Random rnd = new Random(seed);
    Pair p = new Pair(KeyGroupRange.all(MAX));
    Object[] keys = new Object[12];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = i % 3 == 0 ? "k" + i : i % 3 == 1 ? (Object) (long) i : (Object) i;
    }
    for (int step = 0; step < steps; step++) {
      String where = "seed " + seed + " step " + step;
      Object key = keys[rnd.nextInt(keys.length)];
      int op = rnd.nextInt(100);
      if (op < 3) {
        clock[0] += rnd.nextInt(40);
        continue;
      }
      if (op < 5) {
        assertThat(p.rocks.removeExpired()).as(where + " removeExpired").isEqualTo(p.heap.removeExpired());
        continue;
      }
      if (op < 7) {
        if (Boolean.getBoolean("sluice.test.trace")) {
          System.out.println("rescale at step " + step);
        }
        assertThat(canonical(p.rocks.snapshot())).as(where + " snapshot").isEqualTo(canonical(p.heap.snapshot()));
        if (rnd.nextInt(5) == 0) { // opening RocksDB instances is what costs time here
          p = rescaleThroughTwoPartitions(p, rnd);
        }
        continue;
      }
      if (op < 9) {
        assertThat(p.rocks.pendingTimers()).as(where + " timers").isEqualTo(p.heap.pendingTimers());
        long limit = clock[0] + rnd.nextInt(100);
        TimeDomain d = rnd.nextBoolean() ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME;
        while (true) {
          boolean h = p.heap.pollTimer(d, limit);
          assertThat(p.rocks.pollTimer(d, limit)).as(where + " poll").isEqualTo(h);
          if (!h) {
            break;
          }
          assertThat(p.rocks.currentKey()).as(where).isEqualTo(p.heap.currentKey());
          assertThat(p.rocks.polledTimerTime()).as(where).isEqualTo(p.heap.polledTimerTime());
        }
        continue;
      }
      p.heap.setCurrentKey(key);
      p.rocks.setCurrentKey(key);
      List<Object> h = apply(p.heap, op, new Random(seed * 31 + step));
      List<Object> r = apply(p.rocks, op, new Random(seed * 31 + step));
      if (Boolean.getBoolean("sluice.test.trace")) {
        System.out.println(where + " key " + key + " op " + op + " clock " + clock[0] + " -> " + h);
      }
      assertThat(r).as(where + " op " + op + " key " + key).isEqualTo(h);
      if (rnd.nextInt(4) == 0) {
        p.heap.clearCurrentKey();
        p.rocks.clearCurrentKey();
      }
    }
    assertThat(canonical(p.rocks.snapshot())).as("seed " + seed + " final snapshot").isEqualTo(canonical(p.heap.snapshot()));
  }

  /** Snapshot both, restore into two partitions each, snapshot those and restore back into one. */
  private Pair rescaleThroughTwoPartitions(Pair p, Random rnd) {
    // Through the job's serializer, as a checkpoint does (a heap snapshot references live accumulators).
    KeyedStateSnapshot hs = copy(p.heap.snapshot());
    KeyedStateSnapshot rs = copy(p.rocks.snapshot());
    // Cross over: each backend restores the other's snapshot, which must not matter.
    KeyedStateSnapshot forHeap = rnd.nextBoolean() ? hs : rs;
    KeyedStateSnapshot forRocks = rnd.nextBoolean() ? hs : rs;
    Pair half0 = new Pair(KeyGroupRange.ofPartition(0, MAX, 2));
    Pair half1 = new Pair(KeyGroupRange.ofPartition(1, MAX, 2));
    for (Pair half : List.of(half0, half1)) {
      half.heap.restore(forHeap);
      half.rocks.restore(forRocks);
    }
    Pair back = new Pair(KeyGroupRange.all(MAX));
    for (Pair half : List.of(half0, half1)) {
      back.heap.restore(copy(half.heap.snapshot()));
      back.rocks.restore(copy(half.rocks.snapshot()));
      half.heap.close();
      half.rocks.close();
    }
    p.heap.close();
    p.rocks.close();
    return back;
  }

  private KeyedStateSnapshot copy(KeyedStateSnapshot s) {
    return (KeyedStateSnapshot) serde.fromBytes(serde.toBytes(s));
  }

  /** One random state operation on the current key; returns what it read. */
  private static List<Object> apply(KeyedStateBackend b, int op, Random rnd) throws Exception {
    ValueState<Object> value = b.state(spec(StateSpec.value("value"), "value"));
    ListState<Object> list = b.state(spec(StateSpec.list("list"), "list"));
    MapState<Object, Object> map = b.state(spec(StateSpec.map("map"), "map"));
    ReducingState<Long> sum = b.state(spec(StateSpec.reducing("sum", Long::sum), "sum"));
    AggregatingState<Object, Long> count = b.state(spec(StateSpec.aggregating("count", Aggregations.count()), "count"));
    List<Object> out = new ArrayList<>();
    int v = rnd.nextInt(5);
    switch (op % 16) {
      case 0 -> value.update(v == 0 ? null : List.of(v, "x" + v));
      case 1 -> out.add(value.value());
      case 2 -> value.clear();
      case 3 -> list.add("e" + v);
      case 4 -> list.addAll(v == 0 ? List.of() : List.of(v, "a,b", v + 1));
      case 5 -> list.update(v == 0 ? List.of() : new ArrayList<>(List.of("u" + v)));
      case 6 -> list.get().forEach(out::add);
      case 7 -> map.put(v % 3 == 0 ? null : "m" + v, v == 1 ? null : v);
      case 8 -> map.remove(v % 3 == 0 ? null : "m" + v);
      case 9 -> {
        out.add(map.get("m" + v));
        out.add(map.contains("m" + v));
        out.add(map.isEmpty());
      }
      case 10 -> {
        TreeMap<String, Object> sorted = new TreeMap<>();
        map.entries().forEach(e -> sorted.put(String.valueOf(e.getKey()), e.getValue()));
        out.add(sorted);
        List<String> ks = new ArrayList<>();
        map.keys().forEach(k -> ks.add(String.valueOf(k)));
        ks.sort(null);
        out.add(ks);
      }
      case 11 -> sum.add((long) v);
      case 12 -> {
        out.add(sum.get());
        out.add(count.get());
      }
      case 13 -> count.add(v);
      case 14 -> {
        if (v < 3) {
          out.add(b.registerTimer(v == 0 ? TimeDomain.PROCESSING_TIME : TimeDomain.EVENT_TIME, rnd.nextInt(200)));
        } else {
          out.add(b.deleteTimer(TimeDomain.EVENT_TIME, rnd.nextInt(200)));
        }
      }
      default -> {
        switch (v) {
          case 0 -> map.clear();
          case 1 -> list.clear();
          case 2 -> sum.clear();
          default -> count.clear();
        }
      }
    }
    Object key = b.currentKey();
    for (String name : new String[] {"value", "list", "map", "sum", "count"}) {
      Object inspected = b.inspect(name, key);
      out.add(inspected instanceof Map<?, ?> m ? new TreeMap<>(stringKeys(m)) : inspected);
    }
    return out;
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    TreeMap<String, Object> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  /** Value, list and map state expire; reducing and aggregating state do not. */
  private static <S extends dev.sluice.api.state.State> StateSpec<S> spec(StateSpec<S> s, String name) {
    return name.equals("value") || name.equals("list") || name.equals("map") ? s.withTtl(TTL) : s;
  }

  private static List<String> canonical(KeyedStateSnapshot s) {
    List<String> out = new ArrayList<>();
    for (KeyedStateSnapshot.KeyGroupState g : s.groups()) {
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        Object v = e.value() instanceof long[] a ? Arrays.toString(a)
            : e.value() instanceof Map<?, ?> m ? stringKeys(m) : e.value();
        out.add(g.keyGroup() + " " + e.state() + " " + e.key() + " " + v + " " + e.writtenAt());
      }
      for (KeyedStateSnapshot.TimerEntry t : g.timers()) {
        out.add(g.keyGroup() + " timer " + t);
      }
    }
    out.sort(null);
    return out;
  }
}
