package dev.sluice.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State larger than the heap, at test scale: a child JVM with {@code -Xmx64m} keeps 300 000 keys x
 * 1 KiB (about 290 MiB of incompressible state) in RocksDB, visits every key twice and reads back
 * correct values. The same job on the heap backend dies of OutOfMemoryError. The target
 * (5 GB in a 1 GB heap) is {@code Bench rocksdb-state} in sluice-bench.
 */
class LargeStateTest {
  private static final long KEYS = 300_000;

  @TempDir
  Path tmp;

  private Result child(String backend, long keys) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), LargeStateJob.class.getName(),
        Long.toString(keys), "1024", "2", backend, tmp.toString()));
    Path log = tmp.resolve(backend + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(170, TimeUnit.SECONDS)) { // a guard against a hang, not a timing assertion
      p.destroyForcibly();
      throw new AssertionError("the child JVM did not finish: " + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new Result(p.exitValue(), Files.readAllLines(log, StandardCharsets.UTF_8));
  }

  private record Result(int exit, List<String> lines) {}

  @Test
  void stateFiveTimesTheHeapRunsInRocksDb() throws Exception {
    Result r = child("rocksdb", KEYS);
    assertThat(r.exit()).as(String.join("\n", r.lines())).isZero();
    assertThat(r.lines()).noneMatch(l -> l.startsWith("BAD"));
    assertThat(r.lines().stream().filter(l -> l.startsWith("ok "))).hasSize((int) (KEYS / 10_000));
    assertThat(r.lines()).anyMatch(l -> l.startsWith("DONE"));
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.filter(Files::isDirectory)).as("RocksDB directories are removed").isEmpty();
    }
  }

  @Test
  void theSameStateDoesNotFitTheHeapBackend() throws Exception {
    Result r = child("heap", KEYS);
    assertThat(r.exit()).as(String.join("\n", r.lines())).isNotZero();
    assertThat(String.join("\n", r.lines())).contains("OutOfMemoryError");
  }

}
