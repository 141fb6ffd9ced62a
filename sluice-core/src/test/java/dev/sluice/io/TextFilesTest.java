package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFilesTest {
  @TempDir Path dir;

  private Path file(byte[] content) throws Exception {
    Path p = dir.resolve("f.txt");
    Files.write(p, content);
    return p;
  }

  private Path file(String content) throws Exception {
    return file(content.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void linesWithoutTerminatorsIncludingEmptyLinesAndALastLineWithoutNewline() throws Exception {
    Path f = file("a\r\n\nb\n\r\nc");
    assertThat(SourceHarness.readAll(Sources.textFiles(f.toString()))).containsExactly("a", "", "b", "", "c");
  }

  @Test
  void anEmptyFileHasNoLines() throws Exception {
    Path f = file("");
    assertThat(SourceHarness.readAll(Sources.textFiles(f.toString()))).isEmpty();
  }

  @Test
  void aByteOrderMarkIsSkipped() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    out.writeBytes("héllo\nx\n".getBytes(StandardCharsets.UTF_8));
    assertThat(SourceHarness.readAll(Sources.textFiles(file(out.toByteArray()).toString())))
        .containsExactly("héllo", "x");
  }

  @Test
  void invalidUtf8BecomesTheReplacementCharacter() throws Exception {
    Path f = file(new byte[] {'o', 'k', '\n', 'a', (byte) 0xFF, 'b', '\n'});
    assertThat(SourceHarness.readAll(Sources.textFiles(f.toString()))).containsExactly("ok", "a\uFFFDb");
  }

  @Test
  void linesLongerThanTheBufferGrowIt() throws Exception {
    String longLine = "x".repeat(600_000);
    Path f = file("short\n" + longLine + "\nend");
    SourceHarness.Result<String> result = SourceHarness.read(Sources.textFiles(f.toString()), 1);
    assertThat(result.all()).containsExactly("short", longLine, "end");
    // Also when a split boundary falls inside the long line.
    assertThat(SourceHarness.readAll(Sources.textFiles(f.toString()).withSplitSize(100_000)))
        .containsExactly("short", longLine, "end");
  }

  @Test
  void manyLinesAcrossSeveralBufferFillsAndReadCalls() throws Exception {
    StringBuilder text = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      String line = "line " + i + " " + "ab".repeat(i % 13);
      expected.add(line);
      text.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    Path f = file(text.toString()); // ~800 KB: several 256 KiB buffer fills
    SourceHarness.Result<String> one = SourceHarness.read(Sources.textFiles(f.toString()), 1);
    assertThat(one.splits()).hasSize(1);
    assertThat(one.all()).isEqualTo(expected);
    assertThat(one.positions().get(0).get(29_999)).startsWith("file " + f + ", line 30000 (byte ");
    SourceHarness.Result<String> split = SourceHarness.read(Sources.textFiles(f.toString()).withSplitSize(100_000), 4);
    assertThat(split.splits()).hasSize((int) ((Files.size(f) + 99_999) / 100_000));
    // Contiguous, none longer than the split size, all of the same length to the byte: no short
    // last split that leaves its task idle early.
    long at = 0;
    for (SourceSplit s : split.splits()) {
      dev.sluice.core.io.FileSplit fs = (dev.sluice.core.io.FileSplit) s;
      assertThat(fs.start()).isEqualTo(at);
      assertThat(fs.end() - fs.start()).isLessThanOrEqualTo(100_000)
          .isBetween(Files.size(f) / split.splits().size(), Files.size(f) / split.splits().size() + 1);
      at = fs.end();
    }
    assertThat(at).isEqualTo(Files.size(f));
    assertThat(split.all()).isEqualTo(expected);
    assertThat(split.bytesRead().stream().mapToLong(Long::longValue).sum()).isEqualTo(Files.size(f));
  }

  @Test
  void readReturnsAfterABoundedNumberOfLines() throws Exception {
    Path f = file("x\n".repeat(10_000));
    FileSource<String> source = Sources.textFiles(f.toString());
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.FAIL, source.name());
    try (SplitReader<String> reader = source.reader(source.splits(1).get(0), ctx)) {
      int[] count = new int[1];
      int calls = 0;
      boolean more = true;
      while (more) {
        int before = count[0];
        more = reader.read(r -> count[0]++);
        calls++;
        assertThat(count[0] - before).isLessThanOrEqualTo(4096);
        if (more) {
          assertThat(reader.bytesRead()).isEqualTo(2L * count[0]);
        }
      }
      assertThat(count[0]).isEqualTo(10_000);
      assertThat(calls).isGreaterThanOrEqualTo(3);
      assertThat(reader.bytesRead()).isEqualTo(20_000);
    }
  }

  @Test
  void positionNamesFileLineAndByteOfTheLastEmittedRecord() throws Exception {
    Path f = file("aa\nbb\ncc\ndd\n");
    FileSource<String> source = Sources.textFiles(f.toString()).withSplitSize(6);
    SourceHarness.Result<String> result = SourceHarness.read(source, 1);
    assertThat(result.perSplit()).containsExactly(List.of("aa", "bb"), List.of("cc", "dd"));
    assertThat(result.positions().get(0))
        .containsExactly("file " + f + ", line 1 (byte 0)", "file " + f + ", line 2 (byte 3)");
    // A later split does not know its line numbers without scanning: it says the byte only.
    assertThat(result.positions().get(1)).containsExactly("file " + f + ", byte 6", "file " + f + ", byte 9");
  }

  @Test
  void aFailingDownstreamFunctionIsNotABadRecord() throws Exception {
    Path f = file("a\nb\n");
    FileSource<String> source = Sources.textFiles(f.toString()).withBadRecordPolicy(BadRecordPolicy.SKIP);
    SourceSplit split = source.splits(1).get(0);
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.SKIP, source.name());
    try (SplitReader<String> reader = source.reader(split, ctx)) {
      List<String> seen = new ArrayList<>();
      assertThatThrownBy(() -> reader.read(r -> {
        seen.add(r);
        if (r.equals("b")) {
          throw new IllegalStateException("boom in map");
        }
      })).isInstanceOf(IllegalStateException.class).hasMessage("boom in map");
      assertThat(reader.position()).isEqualTo("file " + f + ", line 2 (byte 2)");
      assertThat(ctx.skipped).isZero();
    }
  }

  @Test
  void aRetryOpensANewReaderThatStartsOver() throws Exception {
    Path f = file("1\n2\n3\n");
    FileSource<String> source = Sources.textFiles(f.toString());
    SourceSplit split = source.splits(1).get(0);
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.FAIL, source.name());
    try (SplitReader<String> first = source.reader(split, ctx)) {
      assertThat(first.position()).contains("before the first record");
    }
    List<String> again = new ArrayList<>();
    try (SplitReader<String> second = source.reader(split, ctx)) {
      while (second.read(again::add)) {
        // drain
      }
    }
    assertThat(again).containsExactly("1", "2", "3");
  }

  @Test
  void lineParserBadRecordsFollowThePolicy() throws Exception {
    Path f = file("1\n2\nx\n4\n");
    LineParser<Integer> parser = (buf, start, end, out) -> {
      int v = 0;
      for (int i = start; i < end; i++) {
        if (buf[i] < '0' || buf[i] > '9') {
          throw new NumberFormatException("not a digit: " + (char) buf[i]);
        }
        v = v * 10 + buf[i] - '0';
      }
      out.collect(v);
    };
    FileSource<Integer> source = Sources.lines(f.toString(), parser);

    assertThatThrownBy(() -> SourceHarness.readAll(source))
        .isInstanceOf(BadRecordException.class)
        .hasMessageContaining("bad record at file " + f + ", line 3 (byte 4)")
        .hasMessageContaining("not a digit: x")
        .hasMessageContaining("\"x\"");

    SourceHarness.Result<Integer> skipped = SourceHarness.read(source.withBadRecordPolicy(BadRecordPolicy.SKIP), 1);
    assertThat(skipped.all()).containsExactly(1, 2, 4);
    assertThat(skipped.context().skipped).isEqualTo(1);

    SourceHarness.Result<Integer> dead = SourceHarness.read(source.withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER), 1);
    assertThat(dead.all()).containsExactly(1, 2, 4);
    assertThat(dead.context().deadLetters).singleElement().satisfies(d -> {
      assertThat(d.raw()).isEqualTo("x");
      assertThat(d.position()).isEqualTo("file " + f + ", line 3 (byte 4)");
      assertThat(d.reason()).isEqualTo("not a digit: x");
    });
  }

  @Test
  void sourcesAreImmutableAndNamed() {
    FileSource<String> a = Sources.textFiles("in/*.txt");
    FileSource<String> b = a.withBadRecordPolicy(BadRecordPolicy.SKIP).withSplitSize(10);
    assertThat(a.badRecordPolicy()).isEqualTo(BadRecordPolicy.FAIL);
    assertThat(a.splitSize()).isEqualTo(FileSource.DEFAULT_SPLIT_SIZE);
    assertThat(b.badRecordPolicy()).isEqualTo(BadRecordPolicy.SKIP);
    assertThat(b.splitSize()).isEqualTo(10);
    assertThat(a.name()).isEqualTo("textFiles(in/*.txt)");
  }

  @Test
  void collectionDelegatesToCollectionSource() throws Exception {
    assertThat(SourceHarness.readAll(Sources.collection(List.of(1, 2, 3)))).containsExactly(1, 2, 3);
  }
}
