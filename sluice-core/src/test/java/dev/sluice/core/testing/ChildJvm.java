package dev.sluice.core.testing;

import dev.sluice.core.checkpoint.CheckpointStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The pieces the kill tests of several modules share (ChaosSuiteTest, KafkaKillTest, DemoKillTest):
 * start a job in a child JVM on this test's class path with its output appended to a log, wait for
 * evidence of progress while it lives, kill it with SIGKILL, read the latest complete checkpoint, and
 * show the end of the log in an assertion message.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * Starts {@code java <jvmOptions> -cp <this test's class path> <mainClass> <args>}, stdout and
   * stderr appended to {@code log}.
   */
  public static Process start(Path log, List<String> jvmOptions, String mainClass, List<String> args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", cp, mainClass));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb.start();
  }

  /**
   * Polls every {@code pollMs} while the child is alive, {@code notYet} holds and {@code timeoutSeconds}
   * have not passed; the caller checks what it waited for.
   */
  public static void awaitWhileAlive(Process child, BooleanSupplier notYet, long timeoutSeconds, long pollMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (child.isAlive() && notYet.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(pollMs);
    }
  }

  /** SIGKILL, and wait until the child is gone. */
  public static void kill(Process child) throws InterruptedException {
    child.destroyForcibly();
    child.waitFor();
  }

  /** The id of the latest checkpoint with metadata (complete), or -1: none, or the listing raced with retention. */
  public static long completeCheckpoint(CheckpointStorage storage) {
    try {
      long max = -1;
      for (long id : storage.ids()) {
        if (storage.hasMetadata(id)) {
          max = Math.max(max, id);
        }
      }
      return max;
    } catch (IOException | RuntimeException e) {
      return -1; // listing raced with retention (a directory deleted while listed)
    }
  }

  /** The last 40 lines of the log, for an assertion message. */
  public static String tail(Path log) {
    try {
      List<String> l = Files.readAllLines(log);
      return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
