package dev.sluice.bench;

import dev.sluice.api.RunOptions;
import dev.sluice.examples.WordCorpus;
import dev.sluice.examples.WordCount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Word count on a generated Zipf-like corpus (default 256 MB, 100k distinct words, cached in the work
 * directory): a hand-written single-threaded loop against Sluice at parallelism 2, each run twice
 * (the first run warms up), counts checked equal.
 */
public final class WordCountBench {
  private WordCountBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long mb = args.getLong("mb", 256);
    int parallelism = (int) args.getLong("parallelism", 2);
    Path work = args.workDir();
    Files.createDirectories(work);
    Path corpus = work.resolve("wordcount-" + mb + "mb.txt");
    if (!Files.exists(corpus)) {
      long t0 = System.nanoTime();
      Path tmp = work.resolve(corpus.getFileName() + ".tmp");
      WordCorpus.generate(tmp, mb * 1024 * 1024, 100_000, 42);
      Files.move(tmp, corpus);
      System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", corpus, Args.seconds(System.nanoTime() - t0));
    }
    System.out.printf(Locale.ROOT, "corpus %s: %.1f MB%n", corpus, Files.size(corpus) / 1048576.0);

    Map<String, Long> hand = null;
    long handNanos = 0;
    for (int i = 0; i < 2; i++) {
      long t0 = System.nanoTime();
      hand = handLoop(corpus);
      handNanos = System.nanoTime() - t0;
      System.out.printf(Locale.ROOT, "hand loop run %d: %.2f s (%d distinct words)%n", i + 1, Args.seconds(handNanos), hand.size());
    }
    Path out = work.resolve("wordcount-out");
    long sluiceNanos = 0;
    for (int i = 0; i < 2; i++) {
      deleteRecursively(out);
      long t0 = System.nanoTime();
      WordCount.build(corpus.toString(), out.toString(), false).run(RunOptions.batch().withParallelism(parallelism));
      sluiceNanos = System.nanoTime() - t0;
      System.out.printf(Locale.ROOT, "sluice p=%d run %d: %.2f s%n", parallelism, i + 1, Args.seconds(sluiceNanos));
    }
    Map<String, Long> sluice = readOutput(out);
    boolean same = sluice.equals(hand);
    System.out.println("counts identical: " + same + " (" + sluice.size() + " distinct words)");
    System.out.printf(Locale.ROOT, "RESULT wordcount %d MB: hand loop %.2f s, sluice p=%d %.2f s, speed-up %.2fx (target >= 1.6x)%n",
        mb, Args.seconds(handNanos), parallelism, Args.seconds(sluiceNanos), (double) handNanos / sluiceNanos);
    deleteRecursively(out);
    if (!same) {
      System.exit(1);
    }
  }

  /** The baseline: read the text, split by the contract, lower-case, count in a HashMap. One thread. */
  static Map<String, Long> handLoop(Path file) throws IOException {
    Map<String, Long> counts = new HashMap<>(1 << 18);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
      for (String line; (line = r.readLine()) != null; ) {
        int n = line.length();
        int i = 0;
        while (i < n) {
          while (i < n && !Character.isLetterOrDigit(line.charAt(i))) {
            i++;
          }
          int start = i;
          while (i < n && Character.isLetterOrDigit(line.charAt(i))) {
            i++;
          }
          if (i > start) {
            counts.merge(line.substring(start, i).toLowerCase(Locale.ROOT), 1L, Long::sum);
          }
        }
      }
    }
    return counts;
  }

  static Map<String, Long> readOutput(Path out) throws IOException {
    Map<String, Long> counts = new HashMap<>(1 << 18);
    try (Stream<Path> parts = Files.list(out)) {
      for (Path p : (Iterable<Path>) parts.filter(f -> f.getFileName().toString().startsWith("part-"))::iterator) {
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
          for (String line; (line = r.readLine()) != null; ) {
            int tab = line.lastIndexOf('\t');
            counts.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
          }
        }
      }
    }
    return counts;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
