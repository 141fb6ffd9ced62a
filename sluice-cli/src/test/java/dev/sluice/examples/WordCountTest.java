package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.RunOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WordCountTest {
  @TempDir Path dir;

  private static final String[] PIECES = {
      "Hello", "hello", "HELLO", "wörld", "WÖRLD", "Straße", "STRASSE", "naïve", "İstanbul", "ǅemal",
      "42", "x1y2", "٣٤", "日本語", "слово", "Слово", "ΣΟΦΙΑ", "σοφία", "a", "I", "𝐀bc", "emoji😀x", "e\u0301",
      "Ⅻ", "don't", "co-op", "e-mail", "x_y", "3.14", "½", "²"};
  private static final String[] SEPARATORS = {" ", "  ", ", ", ".", "!", "?", "\t", "-", "'", "\"", "(", ")",
      ";", ":", "/", "\u00a0", "—", "…", "\r"};

  /** Random text with punctuation, digits, unicode letters, surrogate pairs, mixed case; seeded. */
  static String randomText(long seed, int lines) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      int words = r.nextInt(12);
      for (int j = 0; j < words; j++) {
        if (r.nextInt(5) == 0) {
          // a random word of random BMP letters/digits
          int len = 1 + r.nextInt(6);
          for (int k = 0; k < len; k++) {
            sb.append((char) (r.nextBoolean() ? 'A' + r.nextInt(58) : 0xC0 + r.nextInt(0x500)));
          }
        } else {
          sb.append(PIECES[r.nextInt(PIECES.length)]);
        }
        sb.append(SEPARATORS[r.nextInt(SEPARATORS.length)]);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The contract written as plainly as possible: char by char, isLetterOrDigit, lower-case per word. */
  static Map<String, Long> reference(String text) {
    Map<String, Long> counts = new HashMap<>();
    for (String line : text.split("\n")) {
      StringBuilder word = new StringBuilder();
      for (int i = 0; i <= line.length(); i++) {
        if (i < line.length() && Character.isLetterOrDigit(line.charAt(i))) {
          word.append(line.charAt(i));
        } else if (word.length() > 0) {
          counts.merge(word.toString().toLowerCase(Locale.ROOT), 1L, Long::sum);
          word.setLength(0);
        }
      }
    }
    return counts;
  }

  static Map<String, Long> readOutput(Path out) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    try (var parts = Files.list(out)) {
      for (Path p : (Iterable<Path>) parts.filter(f -> f.getFileName().toString().startsWith("part-"))::iterator) {
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
          int tab = line.lastIndexOf('\t');
          Long previous = counts.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
          assertThat(previous).as("word %s appears twice in the output", line.substring(0, tab)).isNull();
        }
      }
    }
    return counts;
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 4})
  void countsEqualAPlainJavaReferenceOnRandomText(int parallelism) throws IOException {
    long seed = new Random().nextLong();
    String text = randomText(seed, 3000);
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    // two files, so a directory input is exercised too
    int half = text.indexOf('\n', text.length() / 2) + 1;
    Files.writeString(in.resolve("a.txt"), text.substring(0, half), StandardCharsets.UTF_8);
    Files.writeString(in.resolve("b.txt"), text.substring(half), StandardCharsets.UTF_8);
    Path out = dir.resolve("out");
    WordCount.build(in.toString(), out.toString(), false).run(RunOptions.batch().withParallelism(parallelism));
    assertThat(readOutput(out)).as("seed %d", seed).isEqualTo(reference(text));
  }

  @Test
  void generatedCorpusMatchesTheReference() throws IOException {
    Path in = dir.resolve("corpus.txt");
    WordCorpus.generate(in, 300_000, 2_000, 3);
    Path out = dir.resolve("out");
    WordCount.build(in.toString(), out.toString(), false).run(RunOptions.batch().withParallelism(2));
    assertThat(readOutput(out)).isEqualTo(reference(Files.readString(in, StandardCharsets.UTF_8)));
  }

  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    WordCount.split(line, words::add);
    return words;
  }

  @Test
  void splitFollowsTheContract() {
    assertThat(split("Hello, World! 42x  don't")).containsExactly("hello", "world", "42x", "don", "t");
    assertThat(split("")).isEmpty();
    assertThat(split("...")).isEmpty();
    assertThat(split("Straße ÉTÉ naïve")).containsExactly("straße", "été", "naïve");
    assertThat(split("İ")).containsExactly("İ".toLowerCase(Locale.ROOT));
    // surrogate pairs are not letters char by char: they separate words
    assertThat(split("a𝐀b")).containsExactly("a", "b");
    assertThat(split("x😀y")).containsExactly("x", "y");
    for (String w : new String[] {"ΣΟΦΙΑΣ", "ǅemal", "İstanbul", "ÀÉÎ", "ẞ", "Ω"}) {
      assertThat(split(w)).containsExactly(w.toLowerCase(Locale.ROOT));
    }
    // a combining mark is not a letter: it splits
    assertThat(split("e\u0301t")).containsExactly("e", "t");
  }
}
