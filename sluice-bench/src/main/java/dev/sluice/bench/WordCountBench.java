package dev.sluice.bench;

import dev.sluice.api.RunOptions;
import dev.sluice.examples.WordCorpus;
import dev.sluice.examples.WordCount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Word count on a generated Zipf-like corpus (default 256 MB, 100k distinct words, cached in the work
 * directory): a hand-written single-threaded loop against Sluice at parallelism 2: one warm-up
 * each, then {@code --runs} (default 3) measured runs of each, alternating; counts checked equal.
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

    int runs = (int) args.getLong("runs", 3);
    Path out = work.resolve("wordcount-out");
    // One warm-up each, then measured runs alternating hand loop and Sluice, so that load from other
    // processes on a shared machine hits both alike. Reported: the best and the median of each.
    Map<String, Long> hand = null;
    double[] handSecs = new double[runs];
    double[] sluiceSecs = new double[runs];
    for (int i = -1; i < runs; i++) {
      long t0 = System.nanoTime();
      hand = handLoop(corpus);
      double h = Args.seconds(System.nanoTime() - t0);
      deleteRecursively(out);
      t0 = System.nanoTime();
      WordCount.build(corpus.toString(), out.toString(), false).run(RunOptions.batch().withParallelism(parallelism));
      double sl = Args.seconds(System.nanoTime() - t0);
      System.out.printf(Locale.ROOT, "%s: hand loop %.2f s, sluice p=%d %.2f s%n",
          i < 0 ? "warm-up" : "run " + (i + 1), h, parallelism, sl);
      if (i >= 0) {
        handSecs[i] = h;
        sluiceSecs[i] = sl;
      }
    }
    Map<String, Long> sluice = readOutput(out);
    boolean same = sluice.equals(hand);
    System.out.println("counts identical: " + same + " (" + sluice.size() + " distinct words)");
    Arrays.sort(handSecs);
    Arrays.sort(sluiceSecs);
    System.out.printf(Locale.ROOT,
        "RESULT wordcount %d MB: best of %d: hand loop %.2f s, sluice p=%d %.2f s, speed-up %.2fx; median: %.2f s vs %.2f s, %.2fx (target >= 1.6x)%n",
        mb, runs, handSecs[0], parallelism, sluiceSecs[0], handSecs[0] / sluiceSecs[0],
        handSecs[runs / 2], sluiceSecs[runs / 2], handSecs[runs / 2] / sluiceSecs[runs / 2]);
    deleteRecursively(out);
    if (!same) {
      System.exit(1);
    }
  }

  /**
   * The baseline: a plain single-threaded loop. Reads the text in 64K-char chunks (UTF-8 decoded by
   * the reader, no String per line), finds words char by char with the same contract, lower-cases
   * each word and counts it in a HashMap. A word cut by a chunk end is carried to the next chunk.
   */
  static Map<String, Long> handLoop(Path file) throws IOException {
    Map<String, Long> counts = new HashMap<>(1 << 18);
    try (Reader r = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8)) {
      char[] buf = new char[1 << 16];
      int carry = 0;
      while (true) {
        if (carry == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
        int n = r.read(buf, carry, buf.length - carry);
        boolean eof = n < 0;
        int end = eof ? carry : carry + n;
        int wordStart = -1;
        for (int i = 0; i < end; i++) {
          if (Character.isLetterOrDigit(buf[i])) {
            if (wordStart < 0) {
              wordStart = i;
            }
          } else if (wordStart >= 0) {
            counts.merge(new String(buf, wordStart, i - wordStart).toLowerCase(Locale.ROOT), 1L, Long::sum);
            wordStart = -1;
          }
        }
        if (eof) {
          if (wordStart >= 0) {
            counts.merge(new String(buf, wordStart, end - wordStart).toLowerCase(Locale.ROOT), 1L, Long::sum);
          }
          return counts;
        }
        carry = 0;
        if (wordStart >= 0) {
          carry = end - wordStart;
          System.arraycopy(buf, wordStart, buf, 0, carry);
        }
      }
    }
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
