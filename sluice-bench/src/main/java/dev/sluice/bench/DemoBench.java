package dev.sluice.bench;

import dev.sluice.cli.JvmOptions;
import dev.sluice.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code Bench demo [--cold-starts N] [demo options]}: the demo target. Runs {@code sluice
 * demo} (the clickstream job, exactly-once upserts into the embedded SQLite database) in this JVM on
 * a fresh checkpoint directory and database, by default {@code --events 6000000 --rate 200000} (30 s
 * at 200k clicks/s, one-second micro-batches), and prints the demo's own per-batch lines and its
 * closing line: {@code batches: n, batch ms max/p99: a/b, all within 1000 ms: yes|no}. Options given
 * replace the defaults (e.g. {@code --rate 100000}, {@code --jdbc-url jdbc:postgresql://...}).
 *
 * <p>With {@code --cold-starts N} it runs the demo N times, each in a fresh JVM (the same java and
 * class path, one after the other), since the first full batch after a JVM start is the one the JIT
 * slows down, and prints per run the first full batch (batch 2) with its phases and the later batches'
 * max and mean, then over the runs: batch 2's min/median/max and how many runs had every batch
 * within the trigger. The fresh JVMs get the JVM options the {@code ./sluice} launcher passes (its
 * {@code jvm.options}, found in the working directory or the repository the bench jar was built in),
 * so the runs are what a user of {@code ./sluice demo} gets; {@code --jvm-options FILE} takes
 * another file and {@code --jvm-options none} passes none (to measure what the options change).
 */
public final class DemoBench {
  private static final Pattern BATCH = Pattern.compile(
      "batch (\\d+): [\\d,]+ events, [\\d,]+ rows upserted, (\\d+) ms \\(processing (\\d+), checkpoint (\\d+),"
          + " database commit (\\d+) ms\\)");

  private DemoBench() {}

  public static void main(String[] args) throws Exception {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    String runs = takeOption(a, "--cold-starts", "a number of runs");
    if (runs != null) {
      String options = takeOption(a, "--jvm-options", "a file, or none");
      coldStarts(Integer.parseInt(runs), a, jvmOptions(options));
      return;
    }
    Path dir = Files.createTempDirectory("sluice-bench-demo");
    try {
      a.add(0, "demo");
      defaultOption(a, "--events", "6000000");
      defaultOption(a, "--rate", "200000");
      defaultOption(a, "--top", "5");
      defaultOption(a, "--checkpoint-dir", dir.resolve("checkpoints").toString());
      System.out.println("Bench demo: sluice " + String.join(" ", a));
      int code = Main.run(a.toArray(String[]::new), System.out, System.err);
      if (code != 0) {
        System.exit(code);
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One demo run's batches: duration, processing, checkpoint and database commit ms, by batch. */
  private record Run(List<long[]> batches) {
    long[] batch(int id) {
      for (long[] b : batches) {
        if (b[0] == id) {
          return b;
        }
      }
      return null;
    }
  }

  /**
   * The JVM options for the fresh JVMs: those of {@code file} ({@code none}: no options), or by default
   * of the launcher's {@code jvm.options} in the working directory or else in the repository of the
   * bench jar ({@code <repo>/sluice-bench/target/benchmarks.jar}); none if there is no such file.
   */
  static List<String> jvmOptions(String file) throws IOException {
    if ("none".equals(file)) {
      return List.of();
    }
    if (file != null) {
      Path f = Path.of(file);
      if (!Files.isRegularFile(f)) {
        throw new IllegalArgumentException("no JVM options file " + f.toAbsolutePath()
            + ": give an existing file, or --jvm-options none");
      }
      return JvmOptions.read(f);
    }
    Path jar = Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0]).toAbsolutePath();
    Path module = jar.getParent() == null ? null : jar.getParent().getParent(); // <repo>/sluice-bench
    for (Path dir : new Path[] {Path.of(""), module == null ? null : module.getParent()}) {
      if (dir != null && Files.isRegularFile(dir.resolve(JvmOptions.FILE))) {
        return JvmOptions.read(dir.resolve(JvmOptions.FILE));
      }
    }
    return List.of();
  }

  /** Removes {@code name} and its value from {@code args} and returns the value; null if absent. */
  private static String takeOption(List<String> args, String name, String what) {
    int i = args.indexOf(name);
    if (i < 0) {
      return null;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs " + what);
    }
    String value = args.remove(i + 1);
    args.remove(i);
    return value;
  }

  private static void coldStarts(int runs, List<String> demoArgs, List<String> jvmOptions)
      throws IOException, InterruptedException {
    if (!demoArgs.contains("--events")) {
      demoArgs.addAll(List.of("--events", "3000000"));
    }
    demoArgs.addAll(List.of("--top", "0"));
    String java = ProcessHandle.current().info().command().orElse("java");
    List<Long> firsts = new ArrayList<>();
    int allWithin = 0;
    System.out.println("Bench demo --cold-starts " + runs + ": each run a fresh JVM, sluice demo " + String.join(" ", demoArgs));
    System.out.println("JVM options (the launcher's jvm.options unless --jvm-options says otherwise): "
        + (jvmOptions.isEmpty() ? "none" : String.join(" ", jvmOptions)));
    for (int r = 1; r <= runs; r++) {
      List<String> cmd = new ArrayList<>(List.of(java));
      cmd.addAll(jvmOptions);
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DemoBench.class.getName()));
      cmd.addAll(demoArgs);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      List<long[]> batches = new ArrayList<>();
      boolean within = false;
      String closing = "";
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          Matcher m = BATCH.matcher(line);
          if (m.find()) {
            batches.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5))});
          } else if (line.startsWith("finished after") || line.startsWith("stopped after")) {
            closing = line;
            within = line.endsWith("all within 1000 ms: yes");
          }
        }
      }
      int code = p.waitFor();
      if (code != 0) {
        System.out.printf(Locale.ROOT, "run %d: exit %d%n", r, code);
        continue;
      }
      Run run = new Run(batches);
      long[] b2 = run.batch(2);
      long max = 0;
      long sum = 0;
      int n = 0;
      for (long[] b : batches) {
        if (b[0] >= 5) {
          max = Math.max(max, b[1]);
          sum += b[1];
          n++;
        }
      }
      if (b2 != null) {
        firsts.add(b2[1]);
      }
      allWithin += within ? 1 : 0;
      System.out.printf(Locale.ROOT, "run %d: batch 2 %s; batches 5..: max %d ms, mean %d ms; %s%n", r,
          b2 == null ? "n/a" : b2[1] + " ms (processing " + b2[2] + ", checkpoint " + b2[3] + ", database commit "
              + b2[4] + ")", max, n == 0 ? 0 : sum / n, closing.contains(";") ? closing.substring(closing.indexOf(';') + 2)
              : closing);
    }
    Collections.sort(firsts);
    System.out.printf(Locale.ROOT, "cold starts: %d; batch 2 ms min/median/max: %s; runs with every batch within 1000 ms: %d"
        + " of %d%n", runs, firsts.isEmpty() ? "n/a" : firsts.get(0) + "/" + firsts.get(firsts.size() / 2) + "/"
            + firsts.get(firsts.size() - 1), allWithin, runs);
  }

  private static void defaultOption(List<String> args, String name, String value) {
    if (!args.contains(name)) {
      args.add(name);
      args.add(value);
    }
  }
}
