package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.io.FileSplit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File sources resume exactly from {@code remainingSplit()}: reading a split with random checkpoints
 * (cut, serialize, restore, cut again) gives the same records, in the same order, at the same
 * positions (file, line, byte) and the same bad records as reading it in one go. Files are large
 * enough (several thousand lines) that a {@code read} call, which emits up to 4096 lines, stops in
 * the middle of them.
 */
class FileSourcePositionsTest {
  private static final Set<Class<?>> SPLIT_TYPES = Set.of(FileSplit.class);
  private static final String[] PIECES = {"a", "bc", "é", "日本", "😀", " ", "x\ry", "\r", "!"};

  @TempDir Path dir;

  enum Kind { TEXT, RAW_LINES, CSV, JSON, TEXT_GZ, CSV_GZ }

  @Test
  void readingWithCheckpointsEqualsReadingInOneGo() throws Exception {
    for (long seed = 0; seed < 36; seed++) {
      Random random = new Random(seed);
      Kind kind = Kind.values()[(int) (seed % Kind.values().length)];
      boolean gz = kind == Kind.TEXT_GZ || kind == Kind.CSV_GZ;
      byte[] content = content(kind, random);
      Path file = dir.resolve("f" + seed + switch (kind) {
        case CSV, CSV_GZ -> ".csv";
        case JSON -> ".jsonl";
        default -> ".txt";
      } + (gz ? ".gz" : ""));
      write(file, content, gz);
      long splitSize = random.nextBoolean() ? Long.MAX_VALUE / 2 : 1024 + random.nextInt(Math.max(1, content.length / 2));
      FileSource<?> source = source(kind, file).withSplitSize(splitSize).withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER);
      String description = "seed " + seed + ", " + kind + ", " + content.length + " bytes, split size " + splitSize;
      List<Object> all = new ArrayList<>();
      int cuts = 0;
      for (SourceSplit split : source.splits(1)) {
        cuts += check(source, split, random, description + ", split " + split.id(), all);
      }
      assertThat(cuts).as(description).isGreaterThan(0);
      if (kind == Kind.TEXT || kind == Kind.TEXT_GZ) {
        assertThat(all).as(description).containsExactlyElementsOf(FileSplitPropertyTest.reference(
            stripBom(content)));
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private int check(FileSource source, SourceSplit split, Random random, String description, List<Object> all)
      throws Exception {
    SourceHarness.FakeContext plain = new SourceHarness.FakeContext(BadRecordPolicy.DEAD_LETTER, "s");
    SourceHarness.FakeContext cutContext = new SourceHarness.FakeContext(BadRecordPolicy.DEAD_LETTER, "s");
    List<ResumeHarness.Emitted<Object>> expected = ResumeHarness.uninterrupted(source, split, plain, -1);
    ResumeHarness.Cut<Object> cut = ResumeHarness.withCuts(source, split, cutContext, -1, random, description,
        SPLIT_TYPES);
    assertThat(cut.records()).as(description + " (" + cut.cuts() + " cuts)").containsExactlyElementsOf(expected);
    assertThat(cutContext.deadLetters).as(description + ": bad records").containsExactlyElementsOf(plain.deadLetters);
    assertThat(((FileSplit) cut.last()).exhausted()).as(description).isTrue();
    expected.forEach(e -> all.add(e.value()));
    return cut.cuts();
  }

  private static FileSource<?> source(Kind kind, Path file) {
    return switch (kind) {
      case TEXT, TEXT_GZ -> Sources.textFiles(file.toString());
      case RAW_LINES -> Sources.lines(file.toString(), (buf, start, end, out) -> {
        String line = new String(buf, start, end - start, StandardCharsets.UTF_8);
        if (line.contains("!")) {
          throw new IllegalArgumentException("a '!' in " + line);
        }
        if (line.startsWith("a")) {
          out.collect(line); // two records from one line
        }
        if (!line.isEmpty()) {
          out.collect(line);
        }
      });
      case CSV, CSV_GZ -> Sources.csv(file.toString());
      case JSON -> Sources.jsonLines(file.toString(), Map.class);
    };
  }

  static byte[] content(Kind kind, Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (random.nextInt(4) == 0) {
      out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }
    boolean csv = kind == Kind.CSV || kind == Kind.CSV_GZ;
    if (csv) {
      out.writeBytes("k,v\r\n".getBytes(StandardCharsets.UTF_8));
    }
    int lines = random.nextInt(4) == 0 ? random.nextInt(50) : 4000 + random.nextInt(12_000);
    for (int i = 0; i < lines; i++) {
      String line;
      if (csv) {
        line = random.nextInt(40) == 0 ? "bad row " + i : random.nextInt(30) == 0 ? "" : "k" + i + ",\"v,\"\"" + i + "\"";
      } else if (kind == Kind.JSON) {
        line = random.nextInt(40) == 0 ? "{bad " + i : random.nextInt(30) == 0 ? " " : "{\"n\":" + i + "}";
      } else {
        StringBuilder b = new StringBuilder();
        int pieces = random.nextInt(4) == 0 ? 0 : random.nextInt(12);
        for (int j = 0; j < pieces; j++) {
          b.append(PIECES[random.nextInt(PIECES.length)]);
        }
        if (random.nextInt(200) == 0) {
          b.append("x".repeat(random.nextInt(300_000))); // longer than the buffer sometimes
        }
        line = b.toString();
      }
      out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      if (i < lines - 1 || random.nextBoolean()) {
        out.writeBytes(random.nextInt(3) == 0 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
      }
    }
    return out.toByteArray();
  }

  private static byte[] stripBom(byte[] content) {
    if (content.length >= 3 && (content[0] & 0xFF) == 0xEF && (content[1] & 0xFF) == 0xBB && (content[2] & 0xFF) == 0xBF) {
      return java.util.Arrays.copyOfRange(content, 3, content.length);
    }
    return content;
  }

  static void write(Path file, byte[] content, boolean gz) throws IOException {
    try (OutputStream out = gz ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
  }

  // ---- edge cases, with exact expectations

  private static <T> SplitReader<T> open(FileSource<T> source, SourceSplit split, BadRecordPolicy policy)
      throws IOException {
    return source.reader(split, new SourceHarness.FakeContext(policy, source.name()));
  }

  private static <T> List<T> drain(SplitReader<T> reader) throws IOException {
    List<T> records = new ArrayList<>();
    while (reader.read(records::add)) {
      // keep reading
    }
    return records;
  }

  @Test
  void aCutAtTheStartIsTheSplitItself() throws Exception {
    Path file = Files.writeString(dir.resolve("a.txt"), "x\ny\n");
    FileSource<String> source = Sources.textFiles(file.toString());
    FileSplit split = (FileSplit) source.splits(1).get(0);
    try (SplitReader<String> reader = open(source, split, BadRecordPolicy.FAIL)) {
      assertThat(reader.remainingSplit()).isEqualTo(split);
    }
  }

  @Test
  void crlfLinesResumeAtTheNextLineWithItsNumber() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 5000; i++) {
      text.append("line ").append(i).append(i == 5000 ? "" : "\r\n"); // last line without terminator
    }
    Path file = Files.writeString(dir.resolve("crlf.txt"), text);
    FileSource<String> source = Sources.textFiles(file.toString());
    FileSplit split = (FileSplit) source.splits(1).get(0);
    FileSplit rest;
    try (SplitReader<String> reader = open(source, split, BadRecordPolicy.FAIL)) {
      List<String> first = new ArrayList<>();
      assertThat(reader.read(first::add)).isTrue();
      assertThat(first).hasSize(4096).endsWith("line 4096");
      rest = (FileSplit) reader.remainingSplit();
    }
    long offset = text.indexOf("line 4097\r\n");
    assertThat(rest.start()).isEqualTo(offset);
    assertThat(rest.end()).isEqualTo(Files.size(file));
    assertThat(rest.firstLine()).isEqualTo(4097);
    assertThat(rest.whole()).isFalse();
    try (SplitReader<String> reader = open(source, rest, BadRecordPolicy.FAIL)) {
      List<String> records = new ArrayList<>();
      SplitReader<String> r = reader;
      List<String> positions = new ArrayList<>();
      while (reader.read(v -> {
        records.add(v);
        positions.add(r.position());
      })) {
        // keep reading
      }
      assertThat(records).hasSize(904).startsWith("line 4097").endsWith("line 5000");
      assertThat(positions.get(0)).isEqualTo("file " + file + ", line 4097 (byte " + offset + ")");
      FileSplit end = (FileSplit) reader.remainingSplit();
      assertThat(end.exhausted()).isTrue();
      assertThat(drain(open(source, end, BadRecordPolicy.FAIL))).isEmpty();
    }
  }

  @Test
  void emptyFilesHaveAnEmptyRest() throws Exception {
    Path file = Files.writeString(dir.resolve("empty.txt"), "");
    for (FileSource<?> source : List.of(Sources.textFiles(file.toString()), Sources.csv(file.toString()))) {
      SourceSplit split = source.splits(1).get(0);
      try (SplitReader<?> reader = open(source, split, BadRecordPolicy.FAIL)) {
        assertThat(reader.remainingSplit()).isEqualTo(split);
        assertThat(drain(reader)).isEmpty();
        FileSplit rest = (FileSplit) reader.remainingSplit();
        assertThat(rest.exhausted()).isTrue();
        assertThat(drain(open(source, SerializationTest.roundTrip(rest), BadRecordPolicy.FAIL))).isEmpty();
      }
    }
  }

  @Test
  void aBadRowAfterARestoreNamesItsFileAndLine() throws Exception {
    StringBuilder csv = new StringBuilder("k,v\n");
    for (int i = 2; i <= 6000; i++) {
      csv.append(i == 5000 ? "broken" : "k" + i + ",v").append('\n');
    }
    for (boolean gz : new boolean[] {false, true}) {
      Path file = dir.resolve(gz ? "bad.csv.gz" : "bad.csv");
      write(file, csv.toString().getBytes(StandardCharsets.UTF_8), gz);
      FileSource<Map<String, String>> source = Sources.csv(file.toString());
      FileSplit rest;
      try (SplitReader<Map<String, String>> reader = open(source, source.splits(1).get(0), BadRecordPolicy.FAIL)) {
        assertThat(reader.read(r -> { })).isTrue();
        rest = SerializationTest.roundTrip((FileSplit) reader.remainingSplit());
      }
      if (gz) {
        assertThat(rest.whole()).isTrue();
        assertThat(rest.skipLines()).as("a read takes 4096 lines, the header among them").isEqualTo(4096);
      } else {
        assertThat(rest.firstLine()).isEqualTo(4097);
      }
      String byteOffset = (gz ? "uncompressed byte " : "byte ") + csv.indexOf("broken");
      try (SplitReader<Map<String, String>> reader = open(source, rest, BadRecordPolicy.FAIL)) {
        assertThatThrownBy(() -> drain(reader)).isInstanceOf(BadRecordException.class)
            .hasMessageContaining("bad record at file " + file + ", line 5000 (" + byteOffset + ")");
      }
    }
  }

  @Test
  void aGzipFileResumesByPassingOverTheLinesAlreadyRead() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 9000; i++) {
      text.append(i).append('\n');
    }
    Path file = dir.resolve("n.txt.gz");
    write(file, text.toString().getBytes(StandardCharsets.UTF_8), true);
    FileSource<String> source = Sources.textFiles(file.toString());
    List<String> records = new ArrayList<>();
    SourceSplit split = source.splits(1).get(0);
    List<Long> skips = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      try (SplitReader<String> reader = open(source, split, BadRecordPolicy.FAIL)) {
        reader.read(records::add);
        split = reader.remainingSplit();
        skips.add(((FileSplit) split).skipLines());
      }
    }
    assertThat(skips).startsWith(4096L, 8192L);
    assertThat(((FileSplit) split).exhausted()).isTrue();
    assertThat(records).hasSize(9000).startsWith("1").endsWith("9000");
    for (int i = 0; i < 9000; i++) {
      assertThat(records.get(i)).isEqualTo(String.valueOf(i + 1));
    }
  }
}
