package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  record Outcome(int code, String out, String err) {}

  static Outcome sluice(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path text() throws IOException {
    Path in = dir.resolve("in.txt");
    Files.writeString(in, "Hello, hello world!\nThe world is big.\n");
    return in;
  }

  private static void assertOneLineError(Outcome o, int code, String contains) {
    assertThat(o.code()).as(o.err()).isEqualTo(code);
    assertThat(o.err()).startsWith("sluice: ").contains(contains);
    assertThat(o.err().strip().lines()).hasSize(1);
  }

  @Test
  void wordcountSucceedsWithExitCodeZero() throws IOException {
    Path out = dir.resolve("out");
    Outcome o = sluice("run", "wordcount", "--input", text().toString(), "--output", out.toString(), "-p", "2");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(out.resolve("_SUCCESS")).exists();
    StringBuilder all = new StringBuilder();
    try (var parts = Files.list(out)) {
      for (Path p : (Iterable<Path>) parts.filter(f -> f.getFileName().toString().startsWith("part-"))::iterator) {
        all.append(Files.readString(p));
      }
    }
    assertThat(all.toString().lines().sorted())
        .containsExactly("big\t1", "hello\t2", "is\t1", "the\t1", "world\t2");
  }

  @Test
  void missingInputIsBadUsage() {
    Outcome o = sluice("run", "wordcount", "--input", dir.resolve("nope.txt").toString(), "--output", dir.resolve("o").toString());
    assertOneLineError(o, 2, "nope.txt");
  }

  @Test
  void existingOutputIsBadUsageUnlessOverwrite() throws IOException {
    Path out = dir.resolve("out");
    String in = text().toString();
    assertThat(sluice("run", "wordcount", "--input", in, "--output", out.toString()).code()).isZero();
    assertOneLineError(sluice("run", "wordcount", "--input", in, "--output", out.toString()), 2, "out");
    assertThat(sluice("run", "wordcount", "--input", in, "--output", out.toString(), "--overwrite").code()).isZero();
  }

  @Test
  void unknownExampleIsBadUsage() {
    assertOneLineError(sluice("run", "nosuchjob"), 2, "unknown example 'nosuchjob'");
    assertOneLineError(sluice("explain", "nosuchjob"), 2, "unknown example 'nosuchjob'");
  }

  @Test
  void missingExampleOrCommandIsBadUsage() {
    assertOneLineError(sluice("run"), 2, "missing example");
    assertOneLineError(sluice(), 2, "missing command");
    assertOneLineError(sluice("frobnicate"), 2, "frobnicate");
  }

  @Test
  void badOptionsAreBadUsage() throws IOException {
    assertOneLineError(sluice("run", "wordcount", "--input", text().toString()), 2, "--output");
    assertOneLineError(sluice("run", "wordcount", "--input", "x", "--output", "y", "--bogus"), 2, "--bogus");
    assertOneLineError(sluice("run", "wordcount", "--input", "x", "--output", "y", "-p", "two"), 2, "two");
    assertOneLineError(sluice("run", "1brc-generate", "--rows", "-5", "--output", "y"), 2, "-5");
  }

  @Test
  void jobFailureExitsOneWithOneLineAndNoStackTrace() throws IOException {
    Path in = dir.resolve("bad.txt");
    Files.writeString(in, "Hamburg;12.0\nBulawayo;not-a-number\n");
    Outcome o = sluice("run", "1brc", "--input", in.toString(), "-p", "1");
    assertOneLineError(o, 1, "line 2");
    assertThat(o.err()).doesNotContain("\tat ");
    assertThat(o.out()).isEmpty();
  }

  @Test
  void verbosePrintsTheStackTrace() throws IOException {
    Path in = dir.resolve("bad.txt");
    Files.writeString(in, "Hamburg;12.0\nBulawayo;not-a-number\n");
    Outcome o = sluice("run", "1brc", "--input", in.toString(), "-p", "1", "--verbose");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err()).startsWith("sluice: ").contains("\tat ");
  }

  @Test
  void explainPrintsStagesAndExchanges() throws IOException {
    Outcome o = sluice("explain", "wordcount", "--input", text().toString(), "--output", dir.resolve("o").toString(), "-p", "3");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).contains("Stage 0", "Stage 1", "exchange", "parallelism 3", "count");
    assertThat(dir.resolve("o")).doesNotExist();

    Outcome b = sluice("explain", "1brc", "--input", text().toString());
    assertThat(b.code()).as(b.err()).isZero();
    assertThat(b.out()).contains("Stage 0", "Stage 1", "stats");
  }

  @Test
  void demoRunsTheClickstreamJobAndPrintsBatchesAndTheTopPages() {
    Path ck = dir.resolve("demo").resolve("checkpoints");
    Outcome o = sluice("demo", "--events", "30000", "--rate", "0", "--clicks-per-second", "200", "--checkpoint-dir",
        ck.toString(), "--trigger-interval", "100ms", "-p", "2", "--top", "3");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).contains("clickstream demo: 30,000 generated clicks", "batch 1: ", "rows upserted",
        "finished after 30,000 events", "top pages", "top users");
    // each committed batch's line carries its phases, from the engine's checkpoint listener
    assertThat(o.out()).containsPattern("batch 1: [\\d,]+ events, [\\d,]+ rows upserted, \\d+ ms \\(processing \\d+,"
        + " checkpoint \\d+, database commit \\d+ ms\\)");
    assertThat(dir.resolve("demo").resolve("db").resolve("clickstream.db")).exists();

    // the tables, read back with `sluice sql`: every click counted once
    Outcome sum = sluice("sql", "--checkpoint-dir", ck.toString(),
        "SELECT COUNT(*) AS windows, SUM(clicks) AS clicks FROM user_clicks");
    assertThat(sum.code()).as(sum.err()).isZero();
    assertThat(sum.out().lines().toList()).hasSize(4).element(2).asString().matches(" *[1-9][0-9]*  +30000");
    assertThat(sum.out()).startsWith("windows  clicks").endsWith("(1 row)" + System.lineSeparator());
    assertOneLineError(sluice("sql", "--checkpoint-dir", ck.toString(), "SELECT nope FROM user_clicks"), 2,
        "the statement failed at jdbc:sqlite:");
    assertOneLineError(sluice("sql", "--checkpoint-dir", dir.resolve("none").toString(), "SELECT 1"), 2,
        "no demo database at");

    // run again: the job had ended, so nothing more is read and the tables stay as they are
    Outcome again = sluice("demo", "--events", "30000", "--rate", "0", "--clicks-per-second", "200", "--checkpoint-dir",
        ck.toString(), "--trigger-interval", "100ms", "-p", "2", "--top", "3");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("finished after 0 events");
  }

  @Test
  void demoRefusesBadUsageWithOneLine() {
    assertOneLineError(sluice("demo", "--events", "-1"), 2, "--events must be zero (unbounded) or positive, was -1");
    assertOneLineError(sluice("demo", "--rate", "-5"), 2, "--rate must be zero (unlimited) or positive, was -5");
    assertOneLineError(sluice("demo", "--dump-events", dir.resolve("e.jsonl").toString()), 2, "--dump-events needs --events");
    assertOneLineError(sluice("demo", "--kafka", "localhost:9092"), 2, "--kafka needs --topic");
    assertOneLineError(sluice("demo", "--topic", "clicks"), 2, "--topic needs --kafka");
    assertOneLineError(sluice("demo", "--kafka", "localhost:9092", "--topic", "clicks", "--events", "10"), 2,
        "--events applies to generated clicks, not to --kafka");
    assertOneLineError(sluice("demo", "--trigger-interval", "0s"), 2, "--trigger-interval: duration must be positive");
    assertOneLineError(sluice("demo", "--trigger-interval", "soon"), 2, "--trigger-interval: cannot read duration 'soon'");
    assertOneLineError(sluice("demo", "--jdbc-url", "postgres://x/y"), 2, "--jdbc-url must be a JDBC URL");
    assertOneLineError(sluice("demo", "--clicks-per-second", "0"), 2, "--clicks-per-second must be positive");
    assertOneLineError(sluice("demo", "--bad-records", "MAYBE"), 2, "--bad-records");
    assertOneLineError(sluice("demo", "--no-such-option"), 2, "no-such-option");
  }

  @Test
  void helpAndVersionExitZero() {
    assertThat(sluice("--help").code()).isZero();
    assertThat(sluice("run", "wordcount", "--help").code()).isZero();
    assertThat(sluice("--version").out()).contains("sluice");
  }
}
