package dev.sluice.bench;

import dev.sluice.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code Bench demo [demo options]}: the demo target. Runs {@code sluice demo} (the
 * clickstream job, exactly-once upserts into the embedded SQLite database) in this JVM on a fresh
 * checkpoint directory and database, by default {@code --events 6000000 --rate 200000} (30 s at
 * 200k clicks/s, one-second micro-batches), and prints the demo's own per-batch lines and its closing
 * line: {@code batches: n, batch ms max/p99: a/b, all within 1000 ms: yes|no}. Options given replace
 * the defaults (e.g. {@code --rate 100000}, {@code --jdbc-url jdbc:postgresql://...}).
 */
public final class DemoBench {
  private DemoBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("sluice-bench-demo");
    try {
      List<String> a = new ArrayList<>(List.of("demo"));
      a.addAll(Arrays.asList(args));
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

  private static void defaultOption(List<String> args, String name, String value) {
    if (!args.contains(name)) {
      args.add(name);
      args.add(value);
    }
  }
}
