package dev.sluice.bench;

import dev.sluice.examples.WordCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Wall time of {@code java -jar sluice-cli/target/sluice.jar run wordcount} on a generated 1 MB input,
 * JVM start included, 5 runs as child processes; prints each and the median.
 */
public final class StartupBench {
  private StartupBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    Path jar = Path.of(args.get("cli-jar", "sluice-cli/target/sluice.jar")).toAbsolutePath();
    if (!Files.exists(jar)) {
      System.err.println("no CLI jar at " + jar + "; build it (./sluice --help) or pass --cli-jar");
      System.exit(2);
    }
    int runs = (int) args.getLong("runs", 5);
    Path work = args.workDir();
    Files.createDirectories(work);
    Path input = work.resolve("startup-1mb.txt");
    if (!Files.exists(input)) {
      WordCorpus.generate(input, 1024 * 1024, 20_000, 7);
    }
    Path out = work.resolve("startup-out");
    WordCountBench.deleteRecursively(out);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> args0 = List.of("run", "wordcount", "--input", input.toString(), "--output", out.toString(), "--overwrite");
    List<String> plain = new ArrayList<>(List.of(java, "-jar", jar.toString()));
    plain.addAll(args0);
    measure("java -jar", plain, runs);
    Path launcher = Path.of(args.get("launcher", "sluice")).toAbsolutePath();
    if (Files.isExecutable(launcher)) {
      List<String> viaLauncher = new ArrayList<>(List.of(launcher.toString()));
      viaLauncher.addAll(args0);
      // once untimed, so a launcher that (re)builds the jar or its CDS archive does it outside the timing
      new ProcessBuilder(viaLauncher).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
      measure("./sluice", viaLauncher, runs);
    }
    WordCountBench.deleteRecursively(out);
  }

  private static void measure(String label, List<String> cmd, int runs) throws Exception {
    System.out.println("command: " + String.join(" ", cmd));
    double[] secs = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      int code = p.waitFor();
      secs[i] = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "run %d: %.3f s (exit %d)%n", i + 1, secs[i], code);
    }
    double[] sorted = secs.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "RESULT startup (%s): wordcount on 1 MB, median of %d runs %.3f s (target < 1.5 s)%n",
        label, runs, sorted[runs / 2]);
  }
}
