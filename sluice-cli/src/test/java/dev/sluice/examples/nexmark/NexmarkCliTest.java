package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.MainAccess;
import dev.sluice.cli.MainAccess.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NexmarkCliTest {
  static final String SUMMARY =
      "events: \\d+, seconds: \\d+\\.\\d{3}, events/s: \\d+, p50/p99/p99\\.9 ms: (n/a|\\d+\\.\\d+/\\d+\\.\\d+/\\d+\\.\\d+)";

  @TempDir Path dir;

  static List<String> rows(Path out) throws Exception {
    List<String> all = new ArrayList<>();
    try (Stream<Path> parts = Files.list(out)) {
      for (Path p : (Iterable<Path>) parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted()::iterator) {
        all.addAll(Files.readAllLines(p));
      }
    }
    return all;
  }

  static String summaryLine(Outcome o) {
    List<String> lines = o.err().lines().filter(l -> l.startsWith("events: ")).toList();
    assertThat(lines).as(o.err()).hasSize(1);
    assertThat(lines.get(0)).matches(SUMMARY);
    return lines.get(0);
  }

  @Test
  void q2WritesJsonRowsAndOneSummaryLine() throws Exception {
    Path out = dir.resolve("q2");
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q2", "--events", "20000", "-p", "2", "--output", out.toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(summaryLine(o)).startsWith("events: 20000, ");
    ObjectMapper json = new ObjectMapper();
    List<String> rows = rows(out);
    List<Results.AuctionPrice> expected = Reference.q2(GeneratorTest.generate(GeneratorConfig.defaults(20_000)), 123);
    assertThat(rows).hasSize(expected.size()).isNotEmpty();
    List<Results.AuctionPrice> got = new ArrayList<>();
    for (String row : rows) {
      JsonNode n = json.readTree(row);
      got.add(new Results.AuctionPrice(n.get("auction").asLong(), n.get("price").asLong()));
    }
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void q5WritesTheHotItemsOfEachWindow() throws Exception {
    Path out = dir.resolve("q5");
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q5", "--events", "30000", "-p", "2", "--output", out.toString());
    assertThat(o.code()).as(o.err()).isZero();
    summaryLine(o);
    ObjectMapper json = new ObjectMapper();
    List<Results.HotItem> got = new ArrayList<>();
    for (String row : rows(out)) {
      got.add(json.readValue(row, Results.HotItem.class));
    }
    List<Results.HotItem> expected = Reference.q5(GeneratorTest.generate(GeneratorConfig.defaults(30_000)),
        java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(2));
    assertThat(expected).isNotEmpty();
    assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void q3WithRocksDbStateGivesTheHeapResult() throws Exception {
    Path heapOut = dir.resolve("q3-heap");
    Path rocksOut = dir.resolve("q3-rocksdb");
    assertThat(MainAccess.run("run", "nexmark", "--query", "q3", "--events", "20000", "-p", "2",
        "--output", heapOut.toString()).code()).isZero();
    Outcome rocks = MainAccess.run("run", "nexmark", "--query", "q3", "--events", "20000", "-p", "2", "--state", "rocksdb",
        "--output", rocksOut.toString());
    assertThat(rocks.code()).as(rocks.err()).isZero();
    List<String> heapRows = rows(heapOut);
    assertThat(heapRows).isNotEmpty();
    assertThat(rows(rocksOut)).containsExactlyInAnyOrderElementsOf(heapRows);
    assertThat(MainAccess.run("run", "nexmark", "--query", "q3", "--events", "10", "--state", "lmdb").err())
        .contains("unknown state backend 'lmdb'");
  }

  @Test
  void existingOutputNeedsOverwrite() throws Exception {
    Path out = dir.resolve("q1");
    assertThat(MainAccess.run("run", "nexmark", "--query", "q1", "--events", "1000", "--output", out.toString()).code()).isZero();
    Outcome again = MainAccess.run("run", "nexmark", "--query", "q1", "--events", "1000", "--output", out.toString());
    assertThat(again.code()).isEqualTo(2);
    assertThat(MainAccess.run("run", "nexmark", "--query", "q1", "--events", "1000", "--output", out.toString(), "--overwrite")
        .code()).isZero();
    assertThat(rows(out)).hasSize(Reference.q1(GeneratorTest.generate(GeneratorConfig.defaults(1000))).size());
  }

  @Test
  void withoutOutputResultsAreCountedAndDropped() {
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q0", "--events", "5000", "-p", "2");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(summaryLine(o)).startsWith("events: 5000, ");
  }

  @Test
  void generatedFileCanBeTheInput() throws Exception {
    Path file = dir.resolve("events.json");
    Outcome gen = MainAccess.run("run", "nexmark", "--generate-to", file.toString(), "--events", "3000");
    assertThat(gen.code()).as(gen.err()).isZero();
    assertThat(Files.readAllLines(file)).hasSize(3000);
    Path out = dir.resolve("q0");
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q0", "--events-file", file.toString(), "--output", out.toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(summaryLine(o)).startsWith("events: 3000, ");
    assertThat(rows(out)).containsExactlyInAnyOrderElementsOf(Files.readAllLines(file));
  }

  @Test
  void aBadEventsFileLineFailsOrIsSkipped() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"type\":\"bid\",\"auction\":1,\"bidder\":2,\"price\":3,\"dateTime\":4}\nnot json\n");
    Outcome fail = MainAccess.run("run", "nexmark", "--query", "q0", "--events-file", file.toString());
    assertThat(fail.code()).as(fail.err()).isEqualTo(1);
    assertThat(fail.err()).contains("line 2");
    Outcome skip = MainAccess.run("run", "nexmark", "--query", "q0", "--events-file", file.toString(), "--bad-records", "SKIP");
    assertThat(skip.code()).as(skip.err()).isZero();
    assertThat(summaryLine(skip)).startsWith("events: 1, ");
  }

  @Test
  void aSignalCancelsAnUnboundedRunWhichPrintsItsSummary() throws Exception {
    // a separate JVM: the shutdown hook of `sluice run nexmark` cancels the job and waits for it
    Path out = dir.resolve("unbounded");
    Process p = CliProcess.start(dir.resolve("err.txt"),
        List.of("run", "nexmark", "--query", "q1", "--rate", "20000", "-p", "2", "--output", out.toString()));
    try {
      // wait until the job runs and the cancelling shutdown hook is installed (the CLI says so)
      CliProcess.awaitStderr(p, dir.resolve("err.txt"), "Ctrl-C stops it");
      p.destroy(); // SIGTERM: runs the shutdown hooks, as Ctrl-C does
      assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the process ended").isTrue();
    } finally {
      p.destroyForcibly();
    }
    String err = Files.readString(dir.resolve("err.txt"));
    List<String> summary = err.lines().filter(l -> l.startsWith("events: ")).toList();
    assertThat(summary).as(err).hasSize(1);
    assertThat(summary.get(0)).matches(SUMMARY);
    // a cancelled job commits nothing
    assertThat(out.resolve("_SUCCESS")).doesNotExist();
  }

  @Test
  void aSignalWithSavepointDirStopsWithASavepointAndRestoreFromResumesExactlyOnce() throws Exception {
    // a separate JVM: with --savepoint-dir the shutdown hook stops the job with a savepoint
    Path out = dir.resolve("q2");
    Path sp = dir.resolve("sp");
    Path errFile = dir.resolve("err.txt");
    Process p = CliProcess.start(errFile, List.of("run", "nexmark", "--query", "q2", "--events", "200000", "--rate",
        "10000", "-p", "2", "--output", out.toString(), "--checkpoint-dir", dir.resolve("ck").toString(),
        "--checkpoint-interval", "100ms", "--savepoint-dir", sp.toString()));
    try {
      CliProcess.awaitStderr(p, errFile, "Ctrl-C stops it with a savepoint into " + sp);
      p.destroy(); // SIGTERM: runs the shutdown hooks, as Ctrl-C does
      assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the process ended").isTrue();
    } finally {
      p.destroyForcibly();
    }
    String err = Files.readString(errFile);
    assertThat(err).as(err).contains("savepoint written to " + sp + " (resume with --restore-from " + sp + ")");
    assertThat(sp.resolve("_metadata")).exists();
    assertThat(out.resolve("_SUCCESS")).doesNotExist();

    // resume at another parallelism, with a new checkpoint directory: the savepoint is self-contained
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q2", "--events", "200000", "-p", "1",
        "--output", out.toString(), "--checkpoint-dir", dir.resolve("ck2").toString(), "--restore-from", sp.toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(out.resolve("_SUCCESS")).exists();
    ObjectMapper json = new ObjectMapper();
    List<Results.AuctionPrice> got = new ArrayList<>();
    for (String row : rows(out)) {
      JsonNode n = json.readTree(row);
      got.add(new Results.AuctionPrice(n.get("auction").asLong(), n.get("price").asLong()));
    }
    List<Results.AuctionPrice> expected = Reference.q2(GeneratorTest.generate(GeneratorConfig.defaults(200_000)), 123);
    assertThat(got).as("exactly once across the stop").hasSameSizeAs(expected).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void savepointOptionsNeedACheckpointDir() {
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q1", "--events", "10", "--restore-from", dir.toString());
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err()).contains("--restore-from needs --checkpoint-dir");
    Outcome missing = MainAccess.run("run", "nexmark", "--query", "q1", "--events", "10",
        "--checkpoint-dir", dir.resolve("ck").toString(), "--restore-from", dir.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot restore job").contains("no such directory");
  }

  @Test
  void badUsageExitsWithTwo() {
    assertThat(MainAccess.run("run", "nexmark", "--query", "q9", "--events", "10").code()).isEqualTo(2);
    assertThat(MainAccess.run("run", "nexmark", "--events", "-1").code()).isEqualTo(2);
    assertThat(MainAccess.run("run", "nexmark", "--generate-to", dir.resolve("x").toString()).code()).isEqualTo(2);
    assertThat(MainAccess.run("run", "nexmark", "--query", "q0", "--events-file", dir.resolve("none.json").toString()).code())
        .isEqualTo(2);
  }

  @Test
  void explainPrintsThePlan() {
    Outcome o = MainAccess.run("explain", "nexmark", "--query", "q1", "--events", "10");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).contains("nexmark");
  }
}
