package dev.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keyed state larger than the heap in the RocksDB backend: a child JVM (default {@code -Xmx1g})
 * holds {@code --keys} x {@code --value-bytes} of state (default 5M x 1 KiB, about 5 GB) in a keyed
 * process function and visits every key {@code --visits} times. Reports whether it completed, wall
 * time, records/s, peak heap after GC and the peak size of the RocksDB files. Asserts nothing.
 * {@code --backend heap} runs the same job on the heap backend for comparison.
 */
public final class RocksDbStateBench {
  private RocksDbStateBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long keys = args.getLong("keys", 5_000_000);
    long valueBytes = args.getLong("value-bytes", 1024);
    long visits = args.getLong("visits", 2);
    String backend = args.get("backend", "rocksdb");
    String xmx = args.get("xmx", "1g");
    int parallelism = (int) args.getLong("parallelism", 2);
    Path work = args.workDir().resolve("rocksdb-state");
    WordCountBench.deleteRecursively(work);
    Files.createDirectories(work);
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + xmx, "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), RocksDbStateJob.class.getName(),
        Long.toString(keys), Long.toString(valueBytes), Long.toString(visits), backend, Integer.toString(parallelism),
        work.toString()));
    System.out.println("child: java -Xmx" + xmx + " ... " + String.join(" ", cmd.subList(6, cmd.size())));
    long t0 = System.nanoTime();
    int code = ChildProcess.runEchoing(cmd);
    long nanos = System.nanoTime() - t0;
    System.out.printf(Locale.ROOT, "RESULT rocksdb-state %d keys x %d B = %.2f GB, backend %s, -Xmx%s, p=%d: %s, child exit %d,"
            + " wall %.1f s%n", keys, valueBytes, keys * (double) valueBytes / 1e9, backend, xmx, parallelism,
        code == 0 ? "completed" : "FAILED", code, Args.seconds(nanos));
    WordCountBench.deleteRecursively(work);
  }
}
