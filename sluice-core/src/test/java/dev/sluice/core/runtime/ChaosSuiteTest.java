package dev.sluice.core.runtime;

import static dev.sluice.core.testing.ChildJvm.completeCheckpoint;
import static dev.sluice.core.testing.ChildJvm.tail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.RunOptions;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.testing.ChildJvm;
import dev.sluice.core.testing.Records;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos suite (issue 4): {@link ChaosJob} is killed with SIGKILL at random moments in a child
 * JVM and restarted with the same checkpoint directory until it completes; and run in-process with
 * random exceptions in a user function and in the sink writers. Either way the committed output must
 * equal a failure-free run's: the same multiset of lines, nothing lost, nothing duplicated.
 *
 * <p>Short by default (a few kills, 200k events). The long version: {@code mvn -B -o -pl sluice-core
 * -am verify -Dtest=ChaosSuiteTest -Dsurefire.failIfNoSpecifiedTests=false -Dsluice.chaos.long=true}
 * (more kills, 1M events, exceptions in the killed child as well). Seeds come from
 * {@code -Dsluice.test.seed} (else random) and are printed. No timing assertions: kills wait for
 * evidence of progress (a new complete checkpoint) or a random delay, and only counts are asserted.
 */
class ChaosSuiteTest {
  static final boolean LONG = Boolean.getBoolean("sluice.chaos.long");
  static final long N = LONG ? 1_000_000 : 200_000;
  static final long RATE = LONG ? 30_000 : 50_000;
  static final int KILLS = LONG ? 100 : 8;
  static final int PARALLELISM = 2;
  static final long INTERVAL_MS = 150;
  static final long[] INTERVALS = {20, 60, INTERVAL_MS};

  @TempDir Path temp;

  private static long seed() {
    String s = System.getProperty("sluice.test.seed");
    return s != null ? Long.parseLong(s) : new Random().nextLong();
  }

  /** The failure-free run's output (in-process, no checkpoints, no rate limit). */
  private List<String> reference() {
    ChaosJob.Injector.configure(0, 0, 0, 0);
    Path out = temp.resolve("reference");
    JobResult r = ChaosJob.pipeline(out, N, 0, false).run(RunOptions.streaming().withParallelism(PARALLELISM));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> lines = committed(out);
    // Sanity: the windows cover every event once (tumbling) and four times (sliding 2 s / 500 ms).
    long sum = 0;
    long count = 0;
    for (String l : lines) {
      String[] f = l.split(" ");
      if (f[0].equals("t")) {
        sum += Long.parseLong(f[3]);
      } else {
        count += Long.parseLong(f[3]);
      }
    }
    assertThat(sum).isEqualTo(N * (N - 1) / 2);
    assertThat(count).isEqualTo(4 * N);
    return lines;
  }

  /** The sorted lines of the committed parts of both outputs; asserts both have {@code _SUCCESS}. */
  static List<String> committed(Path out) {
    List<String> lines = new ArrayList<>();
    for (String sub : List.of("tumbling", "sliding")) {
      Path dir = out.resolve(sub);
      assertThat(dir.resolve("_SUCCESS")).as("%s committed", dir).exists();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
          lines.addAll(Files.readAllLines(f));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    lines.sort(null);
    return lines;
  }

  private Process startChild(Path out, Path ck, Path log, int parallelism, long intervalMs, double opP, double sinkP,
      int budget, long seed, Path input, long rate, boolean microBatch) throws IOException {
    List<String> args = new ArrayList<>(List.of(out.toString(), ck.toString(), Long.toString(N), Long.toString(rate),
        Integer.toString(parallelism), Long.toString(intervalMs), Double.toString(opP), Double.toString(sinkP),
        Integer.toString(budget), Long.toString(seed)));
    if (input != null) {
      args.add(input.toString());
    }
    return ChildJvm.start(log, List.of("-Xmx384m", "-XX:+UseSerialGC",
        "-Dsluice.chaos.mode=" + (microBatch ? "micro-batch" : "streaming")), ChaosJob.class.getName(), args);
  }

  @Test
  void killedWithSigkillAtRandomMomentsResumesExactlyOnce() throws Exception {
    killLoop("sigkill", null, RATE, KILLS, false);
  }

  /**
   * The same job in micro-batch mode (a batch and checkpoint every trigger interval, offset and commit
   * logs): kills land while a batch is planned, read, checkpointed or committed, and the restarted
   * job replays the planned-but-uncommitted batch. The parallelism stays the same across restarts
   * (replaying a batch needs it); the trigger interval is random per run.
   */
  @Test
  void microBatchKilledWithSigkillAtRandomMomentsResumesExactlyOnce() throws Exception {
    killLoop("sigkill-micro-batch", null, RATE, KILLS, true);
  }

  /** The same over the blocking file source (reader threads, barriers in the channels, byte-range positions). */
  @Test
  void killedWithSigkillOverABlockingFileSourceResumesExactlyOnce() throws Exception {
    Path input = Files.createDirectories(temp.resolve("input"));
    int files = 4;
    for (int f = 0; f < files; f++) {
      StringBuilder sb = new StringBuilder();
      for (long i = N * f / files; i < N * (f + 1) / files; i++) {
        sb.append(i).append('\n');
      }
      Files.writeString(input.resolve("numbers-" + f + ".txt"), sb);
    }
    killLoop("sigkill-file", input, 40, KILLS / 2, false);
  }

  private void killLoop(String what, Path input, long rate, int targetKills, boolean microBatch) throws Exception {
    long seed = seed();
    Random rnd = new Random(seed);
    List<String> expected = reference();
    Path out = temp.resolve("out");
    Path ck = temp.resolve("ck");
    Path log = temp.resolve("child.log");
    CheckpointStorage storage = new CheckpointStorage(ck, ChaosJob.JOB);
    double opP = LONG ? 1e-6 : 0;
    double sinkP = LONG ? 1e-5 : 0;
    int kills = 0;
    int runs = 0;
    int killsBeforeFirstCheckpoint = 0;
    long lastSeen = -1;
    StringBuilder parallelisms = new StringBuilder();
    int exit;
    while (true) {
      runs++;
      assertThat(runs).as("runs (seed %d)", seed).isLessThan(targetKills + 20);
      // every restart at a random parallelism: keyed state is redistributed by key group
      int parallelism = microBatch ? PARALLELISM : 1 + rnd.nextInt(3);
      parallelisms.append(parallelism);
      // and a random checkpoint interval: short ones put more kills inside checkpoint I/O and commits
      long intervalMs = INTERVALS[rnd.nextInt(INTERVALS.length)];
      Process child = startChild(out, ck, log, parallelism, intervalMs, opP, sinkP, 3, seed + runs, input, rate,
          microBatch);
      if (kills < targetKills) {
        boolean waitForCheckpoint = rnd.nextInt(4) != 0;
        if (kills == 0) {
          // the first kill: as soon as the job has begun its first checkpoint
          while (child.isAlive() && !Files.exists(storage.jobDir())) {
            Thread.sleep(1);
          }
        } else if (waitForCheckpoint) {
          // evidence of progress: a complete checkpoint newer than the last one seen
          long seen = lastSeen;
          ChildJvm.awaitWhileAlive(child, () -> completeCheckpoint(storage) <= seen, 120, 5);
          Thread.sleep(rnd.nextInt(250)); // somewhere between checkpoints, commits and writes
        } else {
          Thread.sleep(rnd.nextInt(1500)); // maybe during start-up or recovery
        }
        if (child.isAlive()) {
          if (completeCheckpoint(storage) < 0) {
            killsBeforeFirstCheckpoint++;
          }
          ChildJvm.kill(child);
          kills++;
          lastSeen = Math.max(lastSeen, completeCheckpoint(storage));
          continue;
        }
      }
      assertThat(child.waitFor(300, TimeUnit.SECONDS)).as("child finished (seed %d)", seed).isTrue();
      exit = child.exitValue();
      break;
    }
    assertThat(exit).as("last run succeeded (seed %d); log:%n%s", seed, tail(log)).isZero();
    List<String> got = committed(out);
    Records.assertSameRecords(got, expected,
        "after " + kills + " SIGKILLs, parallelism per run " + parallelisms + " (seed " + seed + ")");
    long inProcessRestarts;
    try (Stream<String> lines = Files.lines(log)) {
      inProcessRestarts = lines.filter(l -> l.contains("from its latest complete checkpoint")).count();
    }
    String batches = "";
    if (microBatch) {
      dev.sluice.core.checkpoint.MicroBatchLog mb = new dev.sluice.core.checkpoint.MicroBatchLog(storage.jobDir());
      long replays;
      try (Stream<String> lines = Files.lines(log)) {
        replays = lines.filter(l -> l.contains("replays batch")).count();
      }
      List<Long> committedIds = mb.committedIds();
      batches = " batches committed=" + (committedIds.isEmpty() ? 0 : committedIds.get(committedIds.size() - 1))
          + " batches replayed on restart=" + replays;
      assertThat(committedIds).as("commit log (seed %d)", seed).isNotEmpty();
    }
    System.out.printf("CHAOS " + what + ": seed=%d kills=%d (before the first checkpoint: %d) runs=%d"
            + " in-process restarts after injected exceptions=%d"
            + " (parallelism per run %s) lastCheckpoint=%d%s events=%d lines checked=%d%n", seed, kills,
        killsBeforeFirstCheckpoint, runs, inProcessRestarts, parallelisms,
        completeCheckpoint(storage), batches, N, got.size());
    assertThat(kills).as("kills (seed %d)", seed).isGreaterThanOrEqualTo(targetKills / 2);
  }

  @Test
  void randomExceptionsInOperatorsAndSinksRecoverExactlyOnce() {
    exceptions(false);
  }

  /** The same in micro-batch mode: a failed batch is replayed from the offset log by the restart. */
  @Test
  void microBatchRandomExceptionsInOperatorsAndSinksRecoverExactlyOnce() {
    exceptions(true);
  }

  private void exceptions(boolean microBatch) {
    long seed = seed();
    List<String> expected = reference();
    Path out = temp.resolve("out-exc");
    int budget = LONG ? 10 : 4;
    ChaosJob.Injector.configure(2e-5, 2e-4, budget, seed);
    JobResult r = ChaosJob.pipeline(out, N, LONG ? RATE : 100_000, true)
        .run(ChaosJob.options(PARALLELISM, temp.resolve("ck-exc"), INTERVAL_MS / 2, 2 * budget + 3, microBatch));
    int op = ChaosJob.Injector.OP_FAILURES.get();
    int sink = ChaosJob.Injector.SINK_FAILURES.get();
    ChaosJob.Injector.configure(0, 0, 0, 0);
    assertThat(r.status()).as("job (seed %d)", seed).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> got = committed(out);
    Records.assertSameRecords(got, expected,
        "after " + op + " operator and " + sink + " sink failures (seed " + seed + ")");
    System.out.printf("CHAOS exceptions" + (microBatch ? "-micro-batch" : "") + ": seed=%d operatorFailures=%d sinkFailures=%d restarts=%d events=%d"
        + " lines checked=%d%n", seed, op, sink, op + sink, N, got.size());
    assertThat(op).as("injected operator failures (seed %d)", seed).isPositive();
    assertThat(sink).as("injected sink failures (seed %d)", seed).isPositive();
  }
}
