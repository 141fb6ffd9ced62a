package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.KV;
import dev.sluice.api.function.KeySelector;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.plan.ExchangeKind;
import dev.sluice.core.plan.ExchangeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exchange and MemoryBudget under concurrency: producer attempts write through their own writers with
 * a small budget (so writers spill and other threads' reservations reclaim published segments to
 * disk while producers publish and while consumers read), some attempts abort half-way. Every
 * partition, read twice as a retried consumer would, must give exactly the records of the successful
 * attempts, and the budget must be back to zero after dispose.
 */
class ExchangeStressTest {
  private static final int PARTITIONS = 4;
  private static final int PRODUCERS = 4;

  @TempDir Path temp;

  @Test
  void concurrentWritersReclaimAndRereadsKeepEveryRecordExactlyOnce() throws Exception {
    long base = Long.getLong("sluice.test.seed", 20261125L);
    for (int round = 0; round < 12; round++) {
      runRound(base * 1_000_003L + round);
    }
  }

  private void runRound(long seed) throws Exception {
    Random rnd = new Random(seed);
    String desc = "seed " + seed + ((seed & 1) == 0 ? " (reclaim pressure)" : " (no extra pressure)");
    long limit = 16 * 1024 + rnd.nextInt(96 * 1024);
    MemoryBudget budget = new MemoryBudget(limit);
    Path spillRoot = temp.resolve("round-" + seed);
    JobResources job = new JobResources(budget, new Serde(Map.of(), Set.of()), spillRoot, "stress");
    KeySelector<Object, Object> key = r -> (Long) r % 101;
    ExchangeSpec spec = new ExchangeSpec(0, ExchangeKind.HASH, 0, 1, 0, 1, 0, key, null, null);
    Exchange exchange = new Exchange(spec, PARTITIONS, job);

    int[] counts = new int[PRODUCERS];
    boolean[] abortFirst = new boolean[PRODUCERS];
    for (int t = 0; t < PRODUCERS; t++) {
      counts[t] = 2000 + rnd.nextInt(6000);
      abortFirst[t] = rnd.nextBoolean();
    }
    AtomicBoolean done = new AtomicBoolean();
    boolean pressureOn = (seed & 1) == 0;
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    // Other tasks' reservations: each one that does not fit makes the budget reclaim published segments.
    Thread pressure = new Thread(() -> {
      try {
        // Every other round without it, so that in-memory segments are left for dispose() to free.
        while (!done.get() && pressureOn) {
          // Just more than is free: the budget reclaims about one published segment per call.
          long want = Math.max(1, limit - budget.used() + 1);
          if (budget.tryReserve(want)) {
            budget.release(want);
          }
          Thread.onSpinWait();
        }
      } catch (Throwable e) {
        errors.add(e);
      }
    }, "pressure");
    pressure.start();

    CountDownLatch start = new CountDownLatch(1);
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < PRODUCERS; t++) {
      int task = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
          if (abortFirst[task]) {
            Exchange.Writer failed = exchange.writer(task);
            for (int i = 0; i < counts[task] / 2; i++) {
              failed.collect(-record(task, i) - 1); // never expected: the attempt is aborted
            }
            failed.abort();
          }
          Exchange.Writer w = exchange.writer(task);
          for (int i = 0; i < counts[task]; i++) {
            w.collect(record(task, i));
          }
          w.publish();
        } catch (Throwable e) {
          errors.add(e);
        }
      }, "producer-" + t);
      th.start();
      producers.add(th);
    }
    start.countDown();
    for (Thread th : producers) {
      th.join();
    }
    exchange.seal();

    List<List<Long>> firstRead = new ArrayList<>();
    List<List<Long>> secondRead = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      firstRead.add(Collections.synchronizedList(new ArrayList<>()));
      secondRead.add(Collections.synchronizedList(new ArrayList<>()));
    }
    List<Thread> consumers = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      int partition = p;
      Thread th = new Thread(() -> {
        try {
          for (List<List<Long>> reads : List.of(firstRead, secondRead)) {
            List<Long> got = new ArrayList<>();
            exchange.read(partition, r -> {
              KV<?, ?> kv = (KV<?, ?>) r;
              assertThat(kv.key()).isEqualTo((Long) kv.value() % 101);
              got.add((Long) kv.value());
            }, () -> false);
            reads.get(partition).addAll(got);
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }, "consumer-" + p);
      th.start();
      consumers.add(th);
    }
    for (Thread th : consumers) {
      th.join();
    }
    done.set(true);
    pressure.join();
    assertThat(errors).as(desc + ": errors in producer, consumer or pressure threads").isEmpty();

    List<Long> want = new ArrayList<>();
    for (int t = 0; t < PRODUCERS; t++) {
      for (int i = 0; i < counts[t]; i++) {
        want.add(record(t, i));
      }
    }
    Collections.sort(want);
    List<Long> all = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      List<Long> a = sorted(firstRead.get(p));
      assertThat(sorted(secondRead.get(p))).as(desc + ": partition " + p + " read again (a retry)").isEqualTo(a);
      for (long r : a) {
        long k = r % 101;
        assertThat(Math.floorMod(AggregateNodes.hash(k) * 0x9E3779B1, PARTITIONS))
            .as(desc + ": record " + r + " routed to partition " + p).isEqualTo(p);
      }
      all.addAll(a);
    }
    Collections.sort(all);
    assertThat(all).as(desc + ": every record of the successful attempts exactly once, nothing of the aborted ones")
        .isEqualTo(want);
    assertThat(job.spilledBytes.get()).as(desc + ": the budget was small enough to make something spill").isPositive();

    exchange.dispose();
    assertThat(budget.used()).as(desc + ": memory budget after dispose").isZero();
    job.close();
    if (Files.exists(spillRoot)) {
      try (Stream<Path> s = Files.list(spillRoot)) {
        assertThat(s.toList()).as(desc + ": spill directory removed").isEmpty();
      }
    }
  }

  private static long record(int task, int i) {
    return task * 1_000_000L + i;
  }

  private static List<Long> sorted(List<Long> in) {
    List<Long> out;
    synchronized (in) {
      out = new ArrayList<>(in);
    }
    Collections.sort(out);
    return out;
  }
}
