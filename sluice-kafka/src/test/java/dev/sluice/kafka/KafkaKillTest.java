package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.produce;
import static dev.sluice.kafka.KafkaTestSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kafka.testing.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka-to-Kafka exactly-once job in a child JVM, killed with SIGKILL at random moments and
 * restarted on the same checkpoint directory until it ends by itself: a read_committed consumer of
 * the output sees every input record exactly once. The broker lives in this JVM.
 */
class KafkaKillTest {
  static EmbeddedKafka kafka;
  @TempDir Path temp;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

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
    while (true) {
      runs++;
      assertThat(runs).as("runs (seed %d)\n%s", seed, tail(log)).isLessThan(targetKills + 6);
      Process child = startChild(ck, log, 1 + rnd.nextInt(2));
      if (kills < targetKills) {
        Thread.sleep(1_500 + rnd.nextInt(2_000)); // start-up takes about a second; then somewhere mid-input
        if (child.isAlive()) {
          child.destroyForcibly();
          child.waitFor();
          kills++;
          continue;
        }
      }
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child finished (seed %d)", seed).isTrue();
      assertThat(child.exitValue()).as("child exit (seed %d)\n%s", seed, tail(log)).isZero();
      break;
    }
    System.out.println("KafkaKillTest: " + kills + " kills, " + runs + " runs (seed " + seed + ")");
    assertThat(kills).isPositive();
    List<String> out = new ArrayList<>(readCommitted(kafka.bootstrapServers(), "kill-out"));
    out.sort(null);
    List<String> expected = new ArrayList<>(input);
    expected.sort(null);
    assertThat(out).as("output (seed %d)", seed).isEqualTo(expected);
  }

  private Process startChild(Path ck, Path log, int parallelism) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", cp, KafkaCopyJob.class.getName(),
        kafka.bootstrapServers(), "kill-in", "kill-out", ck.toString(), Integer.toString(parallelism), "100", "10");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }

  private static String tail(Path log) {
    try {
      List<String> l = Files.readAllLines(log);
      return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    } catch (Exception e) {
      return "(no log)";
    }
  }
}
