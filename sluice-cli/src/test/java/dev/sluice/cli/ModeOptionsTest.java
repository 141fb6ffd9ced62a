package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainTest.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code run wordcount} and {@code run 1brc} in batch, streaming and micro-batch mode give the same output. */
class ModeOptionsTest {
  @TempDir Path dir;

  private static final String[][] MODES = {
      {"--mode", "batch"},
      {"--mode", "streaming"},
      {"--mode", "streaming", "--checkpoint-dir", "CK", "--checkpoint-interval", "20ms"},
      {"--mode", "micro-batch", "--checkpoint-dir", "CK", "--trigger-interval", "10ms"},
  };

  private Path text() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      b.append("Word").append(i % 731).append(" the ").append(i % 17 == 0 ? "Élan, " : "x ").append(i).append('\n');
    }
    Files.writeString(in.resolve("a.txt"), b);
    Files.writeString(in.resolve("b.txt"), "Hello, hello world!\nThe world is big.\n");
    return in;
  }

  private static String[] args(String[] head, String[] mode, Path ck) {
    List<String> l = new ArrayList<>(List.of(head));
    for (String m : mode) {
      l.add(m.equals("CK") ? ck.toString() : m);
    }
    return l.toArray(new String[0]);
  }

  private static List<String> parts(Path out) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(out)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        lines.addAll(Files.readAllLines(f));
      }
    }
    lines.sort(null);
    return lines;
  }

  @Test
  void wordcountGivesTheSamePartFilesInEveryMode() throws IOException {
    Path in = text();
    List<String> first = null;
    for (int i = 0; i < MODES.length; i++) {
      Path out = dir.resolve("out-" + i);
      Outcome o = MainTest.sluice(args(new String[] {"run", "wordcount", "--input", in.toString(), "--output",
          out.toString(), "-p", "2"}, MODES[i], dir.resolve("ck-" + i)));
      assertThat(o.code()).as(String.join(" ", MODES[i]) + ": " + o.err()).isZero();
      assertThat(out.resolve("_SUCCESS")).exists();
      List<String> lines = parts(out);
      if (first == null) {
        first = lines;
        assertThat(first).contains("hello\t2", "world\t2", "the\t20001", "élan\t1177").hasSize(731 + 20_000 + 7);
      } else {
        assertThat(lines).as(String.join(" ", MODES[i])).isEqualTo(first);
      }
    }
  }

  @Test
  void oneBrcGivesTheSameLineInEveryMode() throws IOException {
    Path in = dir.resolve("measurements.txt");
    dev.sluice.examples.OneBrcGenerator.generate(30_000, in, 7);
    String first = null;
    for (int i = 0; i < MODES.length; i++) {
      Outcome o = MainTest.sluice(args(new String[] {"run", "1brc", "--input", in.toString(), "-p", "2"}, MODES[i],
          dir.resolve("ck1brc-" + i)));
      assertThat(o.code()).as(String.join(" ", MODES[i]) + ": " + o.err()).isZero();
      if (first == null) {
        first = o.out();
        assertThat(first).startsWith("{").contains("=");
      } else {
        assertThat(o.out()).as(String.join(" ", MODES[i])).isEqualTo(first);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--mode micro-batch|needs --checkpoint-dir",
      "--mode batch --checkpoint-dir CK|need --mode streaming or micro-batch",
      "--checkpoint-interval 1s|need --mode streaming or micro-batch",
      "--trigger-interval 1s|--trigger-interval needs --mode micro-batch",
      "--mode streaming --trigger-interval 1s|--trigger-interval needs --mode micro-batch",
      "--mode streaming --checkpoint-interval 1s|--checkpoint-interval needs --checkpoint-dir",
      "--mode micro-batch --checkpoint-dir CK --checkpoint-interval 1s|every batch is a checkpoint",
      "--mode streaming --checkpoint-dir CK --checkpoint-interval soon|cannot read duration 'soon'",
      "--mode sometimes|unknown --mode 'sometimes'",
  })
  void badCombinationsExitTwoWithOneLine(String options, String reason) throws IOException {
    Path in = dir.resolve("in.txt");
    Files.writeString(in, "a b\n");
    for (String example : new String[] {"wordcount", "1brc"}) {
      List<String> l = new ArrayList<>(example.equals("wordcount")
          ? List.of("run", "wordcount", "--input", in.toString(), "--output", dir.resolve("o").toString())
          : List.of("run", "1brc", "--input", in.toString()));
      for (String w : options.split(" ")) {
        l.add(w.equals("CK") ? dir.resolve("ck").toString() : w);
      }
      Outcome o = MainTest.sluice(l.toArray(new String[0]));
      assertThat(o.code()).as(example + " " + options + ": " + o.err()).isEqualTo(2);
      assertThat(o.err()).startsWith("sluice: ").contains(reason);
      assertThat(o.err().strip().lines()).hasSize(1);
      assertThat(dir.resolve("o")).doesNotExist();
    }
  }
}
