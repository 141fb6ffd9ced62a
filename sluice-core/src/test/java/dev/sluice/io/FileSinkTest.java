package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
  @TempDir Path tmp;

  record Click(String user, long ts) {}

  private static List<String> entries(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void writesOnePartPerPartitionThenManifestAndSuccess() throws Exception {
    Path out = tmp.resolve("out");
    SinkHarness.run(Sinks.<Object>textFiles(out.toString()), List.of(List.of("a", 1), List.of(), List.of("ü")));
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "part-00000", "part-00001", "part-00002");
    assertThat(read(out.resolve("part-00000"))).isEqualTo("a\n1\n");
    assertThat(read(out.resolve("part-00001"))).isEmpty();
    assertThat(read(out.resolve("part-00002"))).isEqualTo("ü\n");
    assertThat(read(out.resolve("_SUCCESS"))).isEmpty();
    assertThat(Files.readAllLines(out.resolve("_SLUICE")))
        .filteredOn(l -> !l.startsWith("#")).containsExactly("part-00000", "part-00001", "part-00002");
  }

  @Test
  void formatFunctionAndJsonLinesRoundTrip() throws Exception {
    Path text = tmp.resolve("text");
    SinkHarness.run(Sinks.<Click>textFiles(text.toString(), c -> c.user() + "@" + c.ts()),
        List.of(List.of(new Click("ann", 1))));
    assertThat(read(text.resolve("part-00000"))).isEqualTo("ann@1\n");

    Path json = tmp.resolve("json");
    List<Click> clicks = List.of(new Click("ann", 1), new Click("b\"o\nb", 2));
    SinkHarness.run(Sinks.<Click>jsonLines(json.toString()), List.of(clicks.subList(0, 1), clicks.subList(1, 2)));
    assertThat(read(json.resolve("part-00000"))).isEqualTo("{\"user\":\"ann\",\"ts\":1}\n");
    assertThat(SourceHarness.readAll(Sources.jsonLines(json.toString(), Click.class))).isEqualTo(clicks);
  }

  @Test
  void aFailedAttemptsStagedFileNeverAppears() throws Exception {
    Path out = tmp.resolve("out");
    FileSink<String> sink = Sinks.textFiles(out.toString());
    sink.open(1);
    SinkWriter<String> failed = sink.writer(new WriterContext(0, 1, 0));
    failed.write("from the failed attempt");
    failed.abort();
    failed.close();
    Object ok = SinkHarness.write(sink, 0, 1, 1, List.of("from the retry"));
    sink.commit(List.of(ok));
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "part-00000");
    assertThat(read(out.resolve("part-00000"))).isEqualTo("from the retry\n");
  }

  @Test
  void nothingIsVisibleBeforeCommitAndRepeatedCommitIsHarmless() throws Exception {
    Path out = tmp.resolve("out");
    FileSink<String> sink = Sinks.textFiles(out.toString());
    sink.open(2);
    List<Object> committables = SinkHarness.writeAll(sink, List.of(List.of("a"), List.of("b")));
    assertThat(entries(out)).containsExactly("_temporary");
    sink.commit(committables);
    sink.commit(committables);
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "part-00000", "part-00001");
    assertThat(read(out.resolve("part-00001"))).isEqualTo("b\n");
  }

  @Test
  void aCommitInterruptedHalfwayCanBeRepeated() throws Exception {
    Path out = tmp.resolve("out");
    FileSink<String> sink = Sinks.textFiles(out.toString());
    sink.open(2);
    List<Object> committables = SinkHarness.writeAll(sink, List.of(List.of("a"), List.of("b")));
    // Simulate a crash after the first rename: part-00000 moved, nothing else done.
    Path staged0 = Path.of(((dev.sluice.core.io.StagedPart) committables.get(0)).stagedPath());
    Files.move(staged0, out.resolve("part-00000"));
    sink.commit(committables);
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "part-00000", "part-00001");
    assertThat(read(out.resolve("part-00000"))).isEqualTo("a\n");
  }

  @Test
  void aNonEmptyDirectoryIsRefusedWithoutOverwrite() throws Exception {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "mine");
    assertThatThrownBy(() -> Sinks.textFiles(out.toString()).open(1))
        .isInstanceOf(OutputExistsException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("output directory " + out + " already exists and is not empty; choose another or pass --overwrite");
    // An existing empty directory is fine.
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    SinkHarness.run(Sinks.textFiles(empty.toString()), List.of(List.of("x")));
    assertThat(read(empty.resolve("part-00000"))).isEqualTo("x\n");
  }

  @Test
  void aFileInPlaceOfTheDirectoryIsRefused() throws Exception {
    Path out = Files.writeString(tmp.resolve("out"), "x");
    assertThatThrownBy(() -> Sinks.textFiles(out.toString()).withOverwrite(true).open(1))
        .isInstanceOf(OutputExistsException.class)
        .hasMessageContaining("is not a directory");
  }

  @Test
  void overwriteReplacesSluiceOutputAtCommitTime() throws Exception {
    Path out = tmp.resolve("out");
    SinkHarness.run(Sinks.textFiles(out.toString()), List.of(List.of("old0"), List.of("old1"), List.of("old2")));

    FileSink<String> sink = Sinks.<String>textFiles(out.toString()).withOverwrite(true);
    sink.open(2);
    List<Object> committables = SinkHarness.writeAll(sink, List.of(List.of("new0"), List.of("new1")));
    // The earlier output stays intact until the commit.
    assertThat(read(out.resolve("part-00002"))).isEqualTo("old2\n");
    assertThat(out.resolve("_SUCCESS")).exists();
    sink.commit(committables);
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "part-00000", "part-00001");
    assertThat(read(out.resolve("part-00000"))).isEqualTo("new0\n");
    assertThat(read(out.resolve("part-00001"))).isEqualTo("new1\n");
  }

  @Test
  void aFailedJobLeavesTheEarlierOutputIntact() throws Exception {
    Path out = tmp.resolve("out");
    SinkHarness.run(Sinks.textFiles(out.toString()), List.of(List.of("old")));
    FileSink<String> sink = Sinks.<String>textFiles(out.toString()).withOverwrite(true);
    sink.open(1);
    SinkHarness.writeAll(sink, List.of(List.of("new")));
    sink.abort();
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "part-00000");
    assertThat(read(out.resolve("part-00000"))).isEqualTo("old\n");
  }

  @Test
  void abortRemovesADirectoryTheSinkCreated() throws Exception {
    Path out = tmp.resolve("new/out");
    FileSink<String> sink = Sinks.textFiles(out.toString());
    sink.open(1);
    SinkHarness.writeAll(sink, List.of(List.of("x")));
    sink.abort();
    assertThat(out).doesNotExist();
  }

  @Test
  void overwriteRefusesAndNeverDeletesForeignFiles() throws Exception {
    Path out = tmp.resolve("out");
    SinkHarness.run(Sinks.textFiles(out.toString()), List.of(List.of("old")));
    Files.writeString(out.resolve("README"), "precious");
    assertThatThrownBy(() -> Sinks.textFiles(out.toString()).withOverwrite(true).open(1))
        .isInstanceOf(OutputExistsException.class)
        .hasMessageContaining("contains README, which Sluice did not write");
    assertThat(read(out.resolve("README"))).isEqualTo("precious");

    // Without a manifest nothing in the directory is Sluice's.
    Path other = Files.createDirectories(tmp.resolve("other"));
    Files.writeString(other.resolve("part-00000"), "someone else's");
    assertThatThrownBy(() -> Sinks.textFiles(other.toString()).withOverwrite(true).open(1))
        .isInstanceOf(OutputExistsException.class)
        .hasMessageContaining("contains part-00000");
    assertThat(read(other.resolve("part-00000"))).isEqualTo("someone else's");
  }

  @Test
  void aForeignFileAppearingDuringTheJobSurvivesTheCommit() throws Exception {
    Path out = tmp.resolve("out");
    SinkHarness.run(Sinks.textFiles(out.toString()), List.of(List.of("old0"), List.of("old1")));
    FileSink<String> sink = Sinks.<String>textFiles(out.toString()).withOverwrite(true);
    sink.open(1);
    List<Object> committables = SinkHarness.writeAll(sink, List.of(List.of("new")));
    Files.writeString(out.resolve("late.txt"), "precious");
    Files.writeString(out.resolve("_SLUICE"), "part-00000\npart-00001\n../escape\n/etc/passwd\n");
    sink.commit(committables);
    assertThat(entries(out)).containsExactly("_SLUICE", "_SUCCESS", "late.txt", "part-00000");
    assertThat(read(out.resolve("late.txt"))).isEqualTo("precious");
  }

  @Test
  void consolePrintsEachRecordOnItsOwnLine() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      Sink<Object> console = Sinks.console();
      List<Object> committables = new ArrayList<>();
      committables.add(SinkHarness.write(console, 0, 1, 0, List.of("a", 42)));
      console.commit(committables);
    } finally {
      System.setOut(original);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a" + System.lineSeparator() + "42" + System.lineSeparator());
  }
}
