package dev.sluice.core.codec;

import static dev.sluice.core.codec.TestValues.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.KV;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerdeConcurrencyTest {
  @TempDir Path dir;

  @Test
  void oneSerdeServesSeveralThreadsAtOnce() throws Exception {
    Serde serde = new Serde(Map.of(), Set.of());
    int threads = 4;
    long base = System.nanoTime();
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          long seed = base + id;
          Random r = new Random(seed);
          start.await();
          // Each thread writes its own file, interleaved with toBytes/fromBytes on the same Serde.
          List<Object> written = new ArrayList<>();
          Path file = dir.resolve("t" + id + ".spill");
          try (SpillOutput out = serde.openWrite(file)) {
            for (int i = 0; i < 5_000; i++) {
              Object v = i % 2 == 0 ? KV.of(id + ":" + i, new long[] {i}) : TestValues.value(r, 2);
              written.add(v);
              out.write(v);
              assertDeepEquals(serde.fromBytes(serde.toBytes(v)), v, "seed " + seed + ", value " + i);
            }
          }
          try (SpillInput in = serde.openRead(file)) {
            for (int i = 0; i < written.size(); i++) {
              assertDeepEquals(in.next(), written.get(i), "seed " + seed + ", record " + i);
            }
            assertThat(in.hasNext()).isFalse();
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
      // Files written on one thread read back on another.
      try (SpillInput in = serde.openRead(dir.resolve("t1.spill"))) {
        @SuppressWarnings("unchecked")
        KV<String, long[]> first = (KV<String, long[]>) in.next();
        assertThat(first.key()).isEqualTo("1:0");
        assertThat(first.value()).containsExactly(0L);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
