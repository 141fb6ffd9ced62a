package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.produce;
import static dev.sluice.kafka.KafkaTestSupport.readCommitted;
import static dev.sluice.core.testing.ChildJvm.completeCheckpoint;
import static dev.sluice.core.testing.ChildJvm.tail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka-to-Kafka exactly-once job in a child JVM, killed with SIGKILL at random moments and
 * restarted on the same checkpoint directory until it ends by itself: a read_committed consumer of
 * the output sees every input record exactly once. The broker lives in this JVM.
 */
class KafkaKillTest extends WithKafkaBroker {
  @TempDir Path temp;

  @Test
  void killedWithSigkillAndRestartedOutputsEveryRecordExactlyOnce() throws Exception {
    String s = System.getProperty("sluice.test.seed");
    long seed = s != null ? Long.parseLong(s) : new Random().nextLong();
    Random rnd = new Random(seed);
    int n = 60_000;
    kafka.createTopic("kill-in", 4);
    kafka.createTopic("kill-out", 3);
    List<String> input = IntStream.range(0, n).mapToObj(i -> "k" + i).toList();
    produce(kafka.bootstrapServers(), "kill-in", 4, input, 0);
    Path ck = temp.resolve("ck");
    Path log = temp.resolve("child.log");
    int kills = 0;
    int runs = 0;
    int targetKills = 3;
    int killsAfterACheckpoint = 0;
    long lastSeen = -1;
    CheckpointStorage storage = new CheckpointStorage(ck, "kafka-copy");
    while (true) {
      runs++;
      assertThat(runs).as("runs (seed %d)\n%s", seed, tail(log)).isLessThan(targetKills + 6);
      Process child = startChild(ck, log, 1 + rnd.nextInt(2));
      if (kills < targetKills) {
        // evidence of progress: two complete checkpoints newer than the last one seen (the first of a
        // run may hold no output yet), then a random moment between checkpoints, commits and writes
        long target = lastSeen + 1 + rnd.nextInt(2);
        ChildJvm.awaitWhileAlive(child, () -> completeCheckpoint(storage) <= target, 60, 5);
        Thread.sleep(rnd.nextInt(400));
        if (child.isAlive()) {
          if (completeCheckpoint(storage) >= 0) {
            killsAfterACheckpoint++;
          }
          ChildJvm.kill(child);
          kills++;
          lastSeen = Math.max(lastSeen, completeCheckpoint(storage));
          continue;
        }
      }
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child finished (seed %d)", seed).isTrue();
      assertThat(child.exitValue()).as("child exit (seed %d)\n%s", seed, tail(log)).isZero();
      break;
    }
    String childLog = Files.readString(log);
    Files.copy(log, Path.of(System.getProperty("java.io.tmpdir"), "kafka-kill-last.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    System.out.println("KafkaKillTest: " + kills + " kills (" + killsAfterACheckpoint + " after a complete checkpoint), "
        + runs + " runs; transactions resumed and committed after a kill: " + count(childLog, "of a previous run")
        + ", found committed already: " + (count(childLog, "was committed already"))
        + ", unverifiable (WARN): " + count(childLog, "cannot verify the output")
        + ", lingering transactions aborted: " + count(childLog, "aborted lingering") + " (seed " + seed + ")");
    assertThat(killsAfterACheckpoint).as("kills after a complete checkpoint (seed %d)", seed).isPositive();
    List<String> out = new ArrayList<>(readCommitted(kafka.bootstrapServers(), "kill-out"));
    out.sort(null);
    List<String> expected = new ArrayList<>(input);
    expected.sort(null);
    java.util.Map<String, Integer> counts = new java.util.HashMap<>();
    out.forEach(v -> counts.merge(v, 1, Integer::sum));
    List<String> missing = expected.stream().filter(v -> !counts.containsKey(v)).toList();
    List<String> duplicated = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(java.util.Map.Entry::getKey).sorted().toList();
    if (!missing.isEmpty() || !duplicated.isEmpty()) {
      Files.copy(log, Path.of(System.getProperty("java.io.tmpdir"), "kafka-kill-" + seed + ".log"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      System.out.println("missing " + missing.size() + " " + missing.stream().limit(20).toList() + ", duplicated "
          + duplicated.size() + " " + duplicated.stream().limit(20).toList());
    }
    assertThat(missing).as("missing records, %d in all (seed %d)", missing.size(), seed).isEmpty();
    assertThat(duplicated).as("duplicated records, %d in all (seed %d)", duplicated.size(), seed).isEmpty();
    assertThat(out).as("output (seed %d)", seed).isEqualTo(expected);
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private Process startChild(Path ck, Path log, int parallelism) throws Exception {
    return ChildJvm.start(log, List.of("-Xmx256m", "-XX:+UseSerialGC"), KafkaCopyJob.class.getName(),
        List.of(kafka.bootstrapServers(), "kill-in", "kill-out", ck.toString(), Integer.toString(parallelism), "100", "10"));
  }
}
