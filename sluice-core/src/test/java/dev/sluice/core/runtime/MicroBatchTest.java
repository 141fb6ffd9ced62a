package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.MapFunction;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.window.Windows;
import dev.sluice.core.checkpoint.MicroBatchLog;
import dev.sluice.core.runtime.CheckpointRecoveryTest.FirstSeen;
import dev.sluice.core.testing.Records;
import dev.sluice.io.Sources;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Micro-batch mode: batches planned in the offset log before they run, committed in the commit log,
 * replayed with the same ranges after a failure (exactly-once output), availableNow stopping after
 * the input available at its start, and the same results as streaming. No timing assertions.
 */
class MicroBatchTest {
  static final Map<String, List<String>> SEEN_AT_FAILURE = new ConcurrentHashMap<>();

  @TempDir Path temp;

  private static RunOptions micro(Path ck, int parallelism, long maxPerSplit) {
    return RunOptions.microBatch(Duration.ofMillis(5)).withParallelism(parallelism).withMaxAttempts(3)
        .withRetryBackoff(Duration.ZERO).withCheckpointing(ck, Duration.ofSeconds(1))
        .withTrigger(new RunOptions.Trigger(Duration.ofMillis(5), false, maxPerSplit));
  }

  /** availableNow at parallelism 2, checkpoints in {@code ck}, batches of at most {@code maxPerSplit} per split. */
  private static RunOptions availableNow(Path ck, long maxPerSplit) {
    return RunOptions.availableNow().withParallelism(2).withCheckpointing(ck, Duration.ofSeconds(1))
        .withTrigger(new RunOptions.Trigger(Duration.ZERO, true, maxPerSplit));
  }

  /** Fails once at value {@code at}, recording which batches were planned and committed at that moment. */
  record FailAt(String key, long at, String jobDir) implements MapFunction<Long, Long> {
    @Override
    public Long apply(Long x) throws Exception {
      if (x == at && !SEEN_AT_FAILURE.containsKey(key)) {
        MicroBatchLog log = new MicroBatchLog(Path.of(jobDir));
        SEEN_AT_FAILURE.put(key, List.of(log.plannedIds().toString(), log.committedIds().toString()));
        throw new IllegalStateException("injected failure at " + x);
      }
      return x;
    }
  }

  private static List<String> expectedFirstSeen(long n, long mod) {
    List<String> l = new ArrayList<>();
    for (long x = 0; x < n; x++) {
      l.add((x % mod) + "#" + (x / mod + 1));
    }
    l.sort(null);
    return l;
  }

  @ParameterizedTest(name = "parallelism {0}")
  @CsvSource({"1", "2"})
  void failureAfterPlanningReplaysTheBatchExactlyOnce(int parallelism) throws Exception {
    long n = 20_000;
    Path ck = temp.resolve("ck");
    String key = "fail-" + parallelism + "-" + System.nanoTime();
    long failAt = 12_345;
    List<Long> values = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      values.add(i);
    }
    CollectSink<String> sink = new CollectSink<>();
    Pipeline p = Pipeline.create("mb-fail");
    p.fromCollection(values).map(new FailAt(key, failAt, ck.resolve("mb-fail").toString())).map(x -> x % 1000)
        .keyBy(x -> x).process(new FirstSeen()).write(sink);
    // values x map to x % 1000 via the keyed count: x % 1000 seen for the (x / 1000 + 1)-th time
    JobResult r = p.run(micro(ck, parallelism, 1000));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> got = new ArrayList<>(sink.result());
    got.sort(null);
    Records.assertSameRecords(got, expectedFirstSeen(n, 1000), "micro-batch after a failure");

    List<String> atFailure = SEEN_AT_FAILURE.get(key);
    assertThat(atFailure).as("the failure was injected").isNotNull();
    List<Long> plannedThen = parse(atFailure.get(0));
    List<Long> committedThen = parse(atFailure.get(1));
    long failing = plannedThen.get(plannedThen.size() - 1);
    assertThat(committedThen).as("the batch being read was planned (offset log) before it ran, not committed")
        .doesNotContain(failing);
    MicroBatchLog log = new MicroBatchLog(ck.resolve("mb-fail"));
    assertThat(log.committedIds()).contains(failing);
    assertThat(log.plannedIds().size()).as("several batches").isGreaterThan(3);
    // the replayed batch kept its plan: the entry is the one written before the failure
    assertThat(log.readOffsets(failing).ranges()).isNotEmpty();
  }

  private static List<Long> parse(String s) {
    List<Long> l = new ArrayList<>();
    for (String w : s.replaceAll("[\\[\\] ]", "").split(",")) {
      if (!w.isEmpty()) {
        l.add(Long.parseLong(w));
      }
    }
    return l;
  }

  @Test
  void everyPlannedBatchIsCommittedAndLogsAreVersioned() throws Exception {
    Path ck = temp.resolve("ck");
    CollectSink<Long> sink = new CollectSink<>();
    Pipeline p = Pipeline.create("mb-logs");
    p.read(Sources.generator(i -> i).count(10_000)).map(x -> x * 2).write(sink);
    JobResult r = p.run(micro(ck, 2, 1024));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sink.result()).hasSize(10_000);
    MicroBatchLog log = new MicroBatchLog(ck.resolve("mb-logs"));
    assertThat(log.committedIds()).isEqualTo(log.plannedIds());
    assertThat(log.plannedIds()).hasSizeGreaterThan(3);
    assertThat(java.nio.file.Files.readString(log.offsetsDir().resolve("1"))).startsWith("sluice-offsets 1\nbatch 1\n");
    // consecutive batches of a split meet: each starts where the one before ended
    MicroBatchLog.Plan a = log.readOffsets(1);
    MicroBatchLog.Plan b = log.readOffsets(2);
    assertThat(b.range(a.ranges().get(0).stage(), a.ranges().get(0).task()).start())
        .isEqualTo(a.ranges().get(0).end());
  }

  @Test
  void availableNowStopsAfterTheAvailableInputAndTheNextRunGoesOn() throws Exception {
    Path ck = temp.resolve("ck");
    RunOptions options = availableNow(ck, 10_000);
    List<Long> all = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      CollectSink<Long> sink = new CollectSink<>();
      Pipeline p = Pipeline.create("mb-now");
      p.read(Sources.generator(i -> i)).write(sink); // unbounded, no rate: 65,536 records per split are "available"
      JobResult r = p.run(options);
      assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
      if (Boolean.getBoolean("mbdebug")) {
        MicroBatchLog dl = new MicroBatchLog(ck.resolve("mb-now"));
        for (long id : dl.plannedIds()) {
          System.out.println("DEBUG run " + run + " " + dl.readOffsets(id) + " committed " + dl.committed(id));
        }
      }
      List<Long> got = new ArrayList<>(sink.result());
      got.sort(null);
      // A resumed run re-commits the restored checkpoint's committables (idempotent for real sinks;
      // a fresh CollectSink shows them again): records of the previous run, dropped here.
      long from = run * 2L * 65_536;
      got.removeIf(x -> x < from && all.contains(x));
      assertThat(got).hasSize(2 * 65_536);
      assertThat(got.get(0)).isEqualTo(from);
      assertThat(got.get(got.size() - 1)).isEqualTo(from + 2 * 65_536 - 1);
      all.addAll(got);
    }
    assertThat(all).doesNotHaveDuplicates();
    assertThat(new MicroBatchLog(ck.resolve("mb-now")).committedIds().size()).as("in batches").isGreaterThan(4);
  }

  /**
   * A batch that takes longer than its trigger interval delays the next trigger: a WARN says the job
   * is falling behind, once (then at most once a minute), not once per batch.
   */
  @Test
  void batchesOverTheirTriggerIntervalAreWarnedAboutOnce() throws Exception {
    Path ck = temp.resolve("ck");
    RunOptions options = micro(ck, 2, 1024).withTrigger(new RunOptions.Trigger(Duration.ofMillis(1), false, 1024));
    CollectSink<Long> sink = new CollectSink<>();
    Pipeline p = Pipeline.create("mb-behind");
    p.read(Sources.generator(i -> i).count(10_000)).map(x -> {
      if (x % 1024 == 0) {
        Thread.sleep(5); // every batch (1,024 records per split) sleeps at least once: longer than the 1 ms trigger
      }
      return x;
    }).write(sink);
    java.io.PrintStream old = System.err;
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    JobResult r;
    try {
      r = p.run(options);
    } finally {
      System.setErr(old);
    }
    String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    old.print(log);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sink.result()).hasSize(10_000);
    assertThat(new MicroBatchLog(ck.resolve("mb-behind")).committedIds()).hasSizeGreaterThan(3);
    assertThat(log).contains("job 'mb-behind' is falling behind: batch 1 took");
    assertThat(log.split("is falling behind", -1)).as(log).hasSize(2);
  }

  /**
   * Commit entries are not fsynced (the checkpoint metadata is the durable record), so a crash may
   * lose the newest one: the next run writes it again for the checkpoint it restores, and goes on
   * from there exactly once.
   */
  @Test
  void aLostCommitEntryIsWrittenAgainAtTheNextRun() throws Exception {
    Path ck = temp.resolve("ck");
    RunOptions options = availableNow(ck, 20_000);
    MicroBatchLog log = new MicroBatchLog(ck.resolve("mb-lost-commit"));
    List<Long> all = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      CollectSink<Long> sink = new CollectSink<>();
      Pipeline p = Pipeline.create("mb-lost-commit");
      p.read(Sources.generator(i -> i)).write(sink); // 65,536 records per split available per run
      assertThat(p.run(options).status()).isEqualTo(JobResult.Status.SUCCEEDED);
      List<Long> got = new ArrayList<>(sink.result());
      got.removeIf(all::contains); // a resumed run re-commits the restored checkpoint's committables
      all.addAll(got);
      if (run == 0) {
        List<Long> committed = log.committedIds();
        long last = committed.get(committed.size() - 1);
        java.nio.file.Files.delete(log.commitsDir().resolve(Long.toString(last))); // lost in a crash
        assertThat(log.committed(last)).isFalse();
        assertThat(log.plannedIds()).contains(last);
      }
    }
    assertThat(log.committedIds()).isEqualTo(log.plannedIds());
    all.sort(null);
    assertThat(all).hasSize(4 * 65_536).doesNotHaveDuplicates();
    assertThat(all.get(all.size() - 1)).isEqualTo(4L * 65_536 - 1);
  }

  /**
   * Offset entries are fsynced after their rename, so a crash may leave the entry of the batch after
   * the latest checkpoint empty or holding zeros; that batch never ran (it starts once the entry is
   * durable), so the next run plans it anew, with a warning, and the output stays exactly once.
   */
  @Test
  void aTornOffsetEntryOfTheNextBatchIsPlannedAnew() throws Exception {
    Path ck = temp.resolve("ck");
    RunOptions options = availableNow(ck, 30_000);
    MicroBatchLog log = new MicroBatchLog(ck.resolve("mb-torn"));
    java.util.Set<Long> all = new java.util.HashSet<>();
    long total = 0;
    for (int run = 0; run < 3; run++) {
      if (run > 0) {
        List<Long> committed = log.committedIds();
        long next = committed.get(committed.size() - 1) + 1;
        byte[] torn = run == 1 ? new byte[0] : new byte[64]; // empty, then zeros
        java.nio.file.Files.write(log.offsetsDir().resolve(Long.toString(next)), torn);
        assertThatThrownBy(() -> log.readOffsets(next)).isInstanceOf(MicroBatchLog.TornEntryException.class)
            .hasMessageContaining(log.offsetsDir().resolve(Long.toString(next)).toString());
      }
      CollectSink<Long> sink = new CollectSink<>();
      Pipeline p = Pipeline.create("mb-torn");
      p.read(Sources.generator(i -> i)).write(sink);
      JobResult r = p.run(options);
      assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
      List<Long> got = new ArrayList<>(sink.result());
      long from = run * 2L * 65_536;
      got.removeIf(x -> x < from && all.contains(x)); // the restored checkpoint's re-commit (see above)
      got.sort(null);
      assertThat(got).as("run " + run).hasSize(2 * 65_536);
      assertThat(got.get(0)).isEqualTo(from);
      all.addAll(got);
      total += got.size();
    }
    assertThat(all).as("no record twice").hasSize((int) total);
    for (long id : log.plannedIds()) {
      assertThat(log.readOffsets(id).ranges()).as("entry " + id + " rewritten whole").isNotEmpty();
    }
  }

  @Test
  void microBatchNeedsACheckpointDirectoryAndOffsets() {
    Pipeline p = Pipeline.create("mb-nodir");
    p.read(Sources.generator(i -> i).count(10)).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(RunOptions.microBatch(Duration.ofMillis(10))))
        .hasMessageContaining("checkpoint directory");
    Pipeline q = Pipeline.create("mb-nooffsets");
    q.read(new CheckpointTestSupport.SeqSource(100, 10, 0, false, true)).write(new CollectSink<>());
    assertThatThrownBy(() -> q.run(micro(temp.resolve("ck"), 1, 0).withMaxAttempts(1)))
        .hasMessageContaining("micro-batch mode");
  }

  @Test
  void fileSourceBatchesAreByteRangesOfWholeLines() throws Exception {
    Path in = temp.resolve("in");
    java.nio.file.Files.createDirectories(in);
    List<String> lines = new ArrayList<>();
    for (int f = 0; f < 2; f++) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 3_000; i++) {
        String line = "f" + f + "-line-" + i + "-" + "x".repeat(i % 17);
        lines.add(line);
        b.append(line).append('\n');
      }
      java.nio.file.Files.writeString(in.resolve("part-" + f + ".txt"), b.toString());
    }
    Path ck = temp.resolve("ck");
    CollectSink<String> sink = new CollectSink<>();
    Pipeline p = Pipeline.create("mb-files");
    p.read(Sources.textFiles(in.toString())).write(sink);
    JobResult r = p.run(micro(ck, 2, 4096));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> got = new ArrayList<>(sink.result());
    got.sort(null);
    lines.sort(null);
    Records.assertSameRecords(got, lines, "file source in micro-batches");
    MicroBatchLog log = new MicroBatchLog(ck.resolve("mb-files"));
    assertThat(log.plannedIds().size()).as("several byte-range batches").isGreaterThan(5);
    assertThat(log.committedIds()).isEqualTo(log.plannedIds());
  }

  record Ev(long key, long ts) implements Serializable {}

  /** Random keyed windows and keyed process over generated event-time input: streaming == micro-batch. */
  @Test
  void microBatchAndStreamingGiveTheSameResults() {
    long base = Long.getLong("sluice.test.seed", 20261130L);
    for (int c = 0; c < 6; c++) {
      long seed = base * 31 + c;
      Random rnd = new Random(seed);
      long n = 2_000 + rnd.nextInt(20_000);
      int keys = 1 + rnd.nextInt(50);
      long step = 1 + rnd.nextInt(20);
      long window = 10 + rnd.nextInt(2_000);
      int parallelism = 1 + rnd.nextInt(2);
      long maxPerSplit = rnd.nextBoolean() ? 0 : 100 + rnd.nextInt(5_000);
      String what = "seed " + seed + " (n " + n + ", keys " + keys + ", step " + step + ", window " + window
          + ", parallelism " + parallelism + ", max per split " + maxPerSplit + ")";
      List<String> streaming = run(n, keys, step, window,
          RunOptions.streaming().withParallelism(parallelism));
      List<String> micro = run(n, keys, step, window,
          micro(temp.resolve("ck-" + c), parallelism, maxPerSplit));
      assertThat(micro).as(what).isEqualTo(streaming);
      assertThat(streaming).as(what).isNotEmpty();
    }
  }

  private static List<String> run(long n, int keys, long step, long window, RunOptions options) {
    CollectSink<String> sink = new CollectSink<>();
    Pipeline p = Pipeline.create("mb-same");
    var in = p.read(Sources.generator(i -> new Ev((i * 7919) % keys, i * step)).count(n)
        .withTimestamps(i -> i * step));
    in.keyBy(Ev::key).window(Windows.tumbling(Duration.ofMillis(window))).count()
        .map(w -> w.key() + "|" + w.window() + "|" + w.value()).write(sink);
    in.map(e -> e.key() * 1_000_000 + e.ts()).map(x -> x / 1_000_000).keyBy(x -> x).process(new FirstSeen())
        .write(sink);
    JobResult r = p.run(options);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> l = new ArrayList<>(sink.result());
    l.sort(null);
    return l;
  }
}
