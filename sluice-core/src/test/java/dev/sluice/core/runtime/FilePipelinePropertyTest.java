package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.SerializableComparator;
import dev.sluice.io.FileSource;
import dev.sluice.io.Sinks;
import dev.sluice.io.Sources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The batch runtime end to end through the file connectors: random text files are read (split into
 * tiny byte ranges or not), word-counted, sorted and left-joined with a CSV file, written with the
 * file sink, and the part files must hold exactly what a plain-Java reference computes. Each case
 * runs at parallelism 1/2/4, with a tiny (everything spills) or default memory budget, with a tiny or
 * the default split size. After every run the output has {@code _SUCCESS}, no {@code _temporary},
 * and the spill directory is empty. Rerun one case with {@code -Dsluice.test.seed=<base>}.
 */
class FilePipelinePropertyTest {
  private static final int SEEDS_PER_CONFIG = 2;
  private static final String[] ALPHABET = {
      "a", "b", "c", "X", "Y", "Z", "0", "1", "9", ".", ",", ";", "!", "?", "'", "\"", "-", "#",
      "é", "ß", "ü", "Ω", "中", "😀"};

  /** A row of the second (CSV) dataset. */
  record WordWeight(String word, int weight) {}

  @TempDir Path temp;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    long base = Long.getLong("sluice.test.seed", 20261123L);
    for (int parallelism : new int[] {1, 2, 4}) {
      for (boolean tinyMemory : new boolean[] {false, true}) {
        for (boolean tinySplits : new boolean[] {false, true}) {
          for (int i = 0; i < SEEDS_PER_CONFIG; i++) {
            long seed = base * 1_000_003L + parallelism * 1000L + (tinyMemory ? 500 : 0) + (tinySplits ? 50 : 0) + i;
            out.add(Arguments.of(seed, parallelism, tinyMemory, tinySplits));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "seed={0} parallelism={1} tinyMemory={2} tinySplits={3}")
  @MethodSource("cases")
  void wordCountSortAndCsvJoinThroughFilesMatchTheReference(long seed, int parallelism, boolean tinyMemory,
      boolean tinySplits) throws Exception {
    Random rnd = new Random(seed);
    String where = "seed " + seed + " (parallelism " + parallelism + ", tinyMemory " + tinyMemory
        + ", tinySplits " + tinySplits + ")";
    Path in = Files.createDirectories(temp.resolve("in"));
    List<String> words = writeRandomTextFiles(rnd, in);
    Map<String, Long> counts = new HashMap<>();
    for (String w : words) {
      counts.merge(w, 1L, Long::sum);
    }
    List<WordWeight> weights = writeRandomCsv(rnd, temp.resolve("weights.csv"), new ArrayList<>(new TreeSet<>(words)));
    long splitSize = tinySplits ? 7 + rnd.nextInt(194) : FileSource.DEFAULT_SPLIT_SIZE;
    Path spill = temp.resolve("spill");
    RunOptions options = RunOptions.batch().withParallelism(parallelism).withTempDir(spill)
        .withRetryBackoff(Duration.ZERO).withMemoryBudget(tinyMemory ? 1 : 0);
    String desc = where + ", split size " + splitSize;

    // (a) word count
    Path countOut = temp.resolve("counts");
    Pipeline p = Pipeline.create("wordcount");
    p.read(Sources.textFiles(in.toString()).withSplitSize(splitSize))
        .flatMap(FilePipelinePropertyTest::splitWords)
        .keyBy(w -> w).count()
        .write(Sinks.<KV<String, Long>>textFiles(countOut.toString(), kv -> kv.key() + "\t" + kv.value()));
    p.run(options);
    checkClean(desc + " word count", countOut, spill, parallelism);
    List<String> want = new ArrayList<>();
    counts.forEach((w, n) -> want.add(w + "\t" + n));
    assertThat(sorted(readParts(countOut))).as(desc + ": word count output").isEqualTo(sorted(want));

    // (b) sortBy over the distinct words: the part files in name order are one sorted list
    Path sortOut = temp.resolve("sorted");
    p = Pipeline.create("sort");
    p.read(Sources.textFiles(in.toString()).withSplitSize(splitSize))
        .flatMap(FilePipelinePropertyTest::splitWords)
        .distinct()
        .sortBy(SerializableComparator.<String>naturalOrder())
        .write(Sinks.textFiles(sortOut.toString()));
    p.run(options);
    checkClean(desc + " sort", sortOut, spill, parallelism);
    assertThat(readParts(sortOut)).as(desc + ": sorted distinct words, parts concatenated in name order")
        .isEqualTo(new ArrayList<>(new TreeSet<>(words)));

    // (c) word counts left-joined with the CSV weights
    Path joinOut = temp.resolve("joined");
    p = Pipeline.create("join");
    var countsByWord = p.read(Sources.textFiles(in.toString()).withSplitSize(splitSize))
        .flatMap(FilePipelinePropertyTest::splitWords)
        .keyBy(w -> w).count()
        .keyBy(KV::key);
    var weightsByWord = p.read(Sources.csv(temp.resolve("weights.csv").toString(), WordWeight.class)
            .withSplitSize(splitSize))
        .keyBy(WordWeight::word);
    countsByWord.leftJoin(weightsByWord)
        .write(Sinks.<KV<String, Joined<KV<String, Long>, WordWeight>>>textFiles(joinOut.toString(),
            kv -> kv.key() + "\t" + kv.value().left().value() + "\t"
                + (kv.value().right() == null ? "-" : String.valueOf(kv.value().right().weight()))));
    p.run(options);
    checkClean(desc + " join", joinOut, spill, parallelism);
    Map<String, List<Integer>> weightsOf = new HashMap<>();
    for (WordWeight ww : weights) {
      weightsOf.computeIfAbsent(ww.word(), k -> new ArrayList<>()).add(ww.weight());
    }
    List<String> wantJoin = new ArrayList<>();
    counts.forEach((w, n) -> {
      List<Integer> ws = weightsOf.getOrDefault(w, List.of());
      if (ws.isEmpty()) {
        wantJoin.add(w + "\t" + n + "\t-");
      }
      for (int x : ws) {
        wantJoin.add(w + "\t" + n + "\t" + x);
      }
    });
    assertThat(sorted(readParts(joinOut))).as(desc + ": left join output").isEqualTo(sorted(wantJoin));
  }

  static void splitWords(String line, Collector<String> out) {
    for (String w : line.split(" ")) {
      if (!w.isEmpty()) {
        out.collect(w);
      }
    }
  }

  /** Writes 1..4 random text files; returns the words in them, as the reference sees them. */
  private static List<String> writeRandomTextFiles(Random rnd, Path dir) throws IOException {
    List<String> words = new ArrayList<>();
    int files = 1 + rnd.nextInt(4);
    for (int f = 0; f < files; f++) {
      StringBuilder text = new StringBuilder();
      int lines = rnd.nextInt(80);
      for (int l = 0; l < lines; l++) {
        int n = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(9);
        if (rnd.nextInt(6) == 0) {
          text.append(' ');
        }
        for (int i = 0; i < n; i++) {
          String w = randomWord(rnd);
          words.add(w);
          text.append(w).append(rnd.nextInt(8) == 0 ? "  " : " ");
        }
        boolean last = l == lines - 1;
        if (!last || rnd.nextBoolean()) {
          text.append(rnd.nextInt(3) == 0 ? "\r\n" : "\n");
        }
      }
      Files.writeString(dir.resolve("text-" + f + ".txt"), text, StandardCharsets.UTF_8);
    }
    return words;
  }

  private static String randomWord(Random rnd) {
    StringBuilder w = new StringBuilder();
    int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 2 : 5);
    for (int i = 0; i < len; i++) {
      w.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
    }
    return w.toString();
  }

  /** A CSV of (word, weight): some words of the text, some twice, some that are not in the text. */
  private static List<WordWeight> writeRandomCsv(Random rnd, Path file, List<String> vocabulary) throws IOException {
    List<WordWeight> rows = new ArrayList<>();
    int n = rnd.nextInt(1 + vocabulary.size());
    for (int i = 0; i < n; i++) {
      String w = vocabulary.isEmpty() || rnd.nextInt(5) == 0 ? randomWord(rnd) + "~" : vocabulary.get(rnd.nextInt(vocabulary.size()));
      rows.add(new WordWeight(w, rnd.nextInt(2001) - 1000));
      if (rnd.nextInt(6) == 0) {
        rows.add(new WordWeight(w, rnd.nextInt(2001) - 1000));
      }
    }
    StringBuilder csv = new StringBuilder("word,weight\n");
    for (WordWeight r : rows) {
      String w = r.word();
      boolean quote = w.contains(",") || w.contains("\"") || rnd.nextInt(4) == 0;
      csv.append(quote ? "\"" + w.replace("\"", "\"\"") + "\"" : w).append(',').append(r.weight())
          .append(rnd.nextInt(4) == 0 ? "\r\n" : "\n");
      if (rnd.nextInt(10) == 0) {
        csv.append('\n'); // empty lines are skipped
      }
    }
    Files.writeString(file, csv, StandardCharsets.UTF_8);
    return rows;
  }

  /** The committed output protocol, and no spill files left after the run. */
  static void checkClean(String desc, Path out, Path spill, int partitions) throws IOException {
    List<String> names = list(out);
    assertThat(names).as(desc + ": _SUCCESS written").contains("_SUCCESS", "_SLUICE");
    assertThat(names).as(desc + ": _temporary removed").doesNotContain("_temporary");
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      parts.add(String.format("part-%05d", i));
    }
    List<String> gotParts = names.stream().filter(n -> n.startsWith("part-")).toList();
    assertThat(gotParts).as(desc + ": one part file per partition").isEqualTo(parts);
    assertThat(Files.size(out.resolve("_SUCCESS"))).as(desc + ": _SUCCESS is empty").isZero();
    if (Files.exists(spill)) {
      assertThat(list(spill)).as(desc + ": spill directory emptied").isEmpty();
    }
  }

  static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** The lines of the part files, concatenated in file name order. */
  static List<String> readParts(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String name : list(dir)) {
      if (!name.startsWith("part-")) {
        continue;
      }
      String text = Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
      if (text.isEmpty()) {
        continue;
      }
      assertThat(text).as(name + " ends with a newline").endsWith("\n");
      Collections.addAll(lines, text.substring(0, text.length() - 1).split("\n", -1));
    }
    return lines;
  }

  static List<String> sorted(List<String> in) {
    List<String> out = new ArrayList<>(in);
    Collections.sort(out);
    return out;
  }
}
