package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: for any content and any split size, the splits together yield exactly the file's lines,
 * each once, in order. Reference model: split the decoded text on '\n', strip one trailing '\r'.
 */
class FileSplitPropertyTest {
  private static final String[] PIECES = {"a", "bc", "é", "日本", "😀", " ", ",", "x\ry", "\r"};

  @TempDir Path dir;

  @Test
  void splitsPartitionTheLinesExactly() throws Exception {
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      byte[] content = randomContent(random);
      Path file = dir.resolve("f" + seed + ".txt");
      Files.write(file, content);
      long splitSize = 1 + random.nextInt(50);
      String description = "seed " + seed + ", split size " + splitSize + ", content "
          + new String(content, StandardCharsets.UTF_8).replace("\n", "\\n").replace("\r", "\\r");

      SourceHarness.Result<String> result =
          SourceHarness.read(Sources.textFiles(file.toString()).withSplitSize(splitSize), 4);

      assertThat(result.all()).as(description).containsExactlyElementsOf(reference(content));
      assertThat(result.splits()).as(description).hasSize((int) Math.max(1,
          (content.length + splitSize - 1) / splitSize));
      long totalBytes = result.bytesRead().stream().mapToLong(Long::longValue).sum();
      assertThat(totalBytes).as(description).isEqualTo(content.length);
      // Positions of the first split carry true line numbers; later splits never claim one.
      List<String> first = result.positions().get(0);
      for (int i = 0; i < first.size(); i++) {
        assertThat(first.get(i)).as(description).contains(", line " + (i + 1) + " (byte ");
      }
      for (int s = 1; s < result.positions().size(); s++) {
        for (String position : result.positions().get(s)) {
          assertThat(position).as(description).doesNotContain("line").contains(", byte ");
        }
      }
    }
  }

  @Test
  void lineParserSeesTheSameLinesAsBytes() throws Exception {
    for (long seed = 1000; seed < 1100; seed++) {
      Random random = new Random(seed);
      byte[] content = randomContent(random);
      Path file = dir.resolve("g" + seed + ".txt");
      Files.write(file, content);
      LineParser<String> parser = (buf, start, end, out) ->
          out.collect(new String(buf, start, end - start, StandardCharsets.UTF_8));
      List<String> lines = SourceHarness.readAll(
          Sources.lines(file.toString(), parser).withSplitSize(1 + random.nextInt(50)));
      assertThat(lines).as("seed " + seed).containsExactlyElementsOf(reference(content));
    }
  }

  static byte[] randomContent(Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int lines = random.nextInt(40);
    for (int i = 0; i < lines; i++) {
      int pieces = random.nextInt(4) == 0 ? 0 : random.nextInt(12);
      StringBuilder line = new StringBuilder();
      for (int j = 0; j < pieces; j++) {
        line.append(PIECES[random.nextInt(PIECES.length)]);
      }
      out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
      boolean last = i == lines - 1;
      if (!last || random.nextBoolean()) {
        out.writeBytes(random.nextInt(3) == 0 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
      }
    }
    return out.toByteArray();
  }

  static List<String> reference(byte[] content) {
    String text = new String(content, StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int nl = text.indexOf('\n', from);
      int end = nl < 0 ? text.length() : nl;
      String line = text.substring(from, end);
      if (nl >= 0 && line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (nl < 0 && line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      lines.add(line);
      from = nl < 0 ? text.length() : nl + 1;
    }
    return lines;
  }
}
