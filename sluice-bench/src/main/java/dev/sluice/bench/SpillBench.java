package dev.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Aggregation of many distinct keys in a child JVM with a small heap (default 20M keys, -Xmx512m):
 * reports whether it completed, its wall time and its peak heap. Asserts nothing.
 */
public final class SpillBench {
  private SpillBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long keys = args.getLong("keys", 20_000_000);
    String xmx = args.get("xmx", "512m");
    int parallelism = (int) args.getLong("parallelism", 2);
    Path work = args.workDir();
    Files.createDirectories(work);
    Path out = work.resolve("spill-out");
    WordCountBench.deleteRecursively(out);
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + xmx,
        "-cp", System.getProperty("java.class.path"), SpillJob.class.getName(),
        Long.toString(keys), Integer.toString(parallelism), out.toString(), work.toString()));
    System.out.println("child: " + String.join(" ", cmd.subList(0, 2)) + " ... " + String.join(" ", cmd.subList(4, cmd.size())));
    long t0 = System.nanoTime();
    int code = ChildProcess.runEchoing(cmd);
    long nanos = System.nanoTime() - t0;
    System.out.printf(Locale.ROOT, "RESULT spill %d distinct keys, -Xmx%s, p=%d: %s, child exit %d, wall %.2f s%n",
        keys, xmx, parallelism, code == 0 ? "completed" : "FAILED", code, Args.seconds(nanos));
    WordCountBench.deleteRecursively(out);
  }

}
