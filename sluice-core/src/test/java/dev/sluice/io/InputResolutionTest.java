package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.io.FileSplit;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputResolutionTest {
  @TempDir Path dir;

  private Path write(String relative, String content) throws Exception {
    Path p = dir.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private Path gzip(String relative, String content) throws Exception {
    Path p = dir.resolve(relative);
    Files.createDirectories(p.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
    return p;
  }

  private static List<String> files(FileSource<?> source) throws Exception {
    return source.splits(2).stream().map(FileSplit::path).distinct().toList();
  }

  @Test
  void aSingleFile() throws Exception {
    Path f = write("a.txt", "1\n2\n");
    assertThat(SourceHarness.readAll(Sources.textFiles(f.toString()))).containsExactly("1", "2");
  }

  @Test
  void aDirectoryReadsVisibleFilesSortedAndNotRecursively() throws Exception {
    write("in/b.txt", "b\n");
    write("in/a.txt", "a\n");
    write("in/_SUCCESS", "");
    write("in/.crc", "hidden\n");
    write("in/sub/c.txt", "c\n");
    FileSource<String> source = Sources.textFiles(dir.resolve("in").toString());
    assertThat(SourceHarness.readAll(source)).containsExactly("a", "b");
  }

  @Test
  void globsMatchFileNamesAndDoubleStarSpansDirectories() throws Exception {
    write("data/x.txt", "x\n");
    write("data/y.csv", "y\n");
    write("data/_tmp.txt", "hidden\n");
    gzip("logs/top.gz", "top\n");
    gzip("logs/2024/01/deep.gz", "deep\n");
    write("logs/2024/notes.txt", "no\n");
    gzip("logs/_temporary/staged.gz", "no\n");

    assertThat(SourceHarness.readAll(Sources.textFiles(dir + "/data/*.txt"))).containsExactly("x");
    assertThat(files(Sources.textFiles(dir + "/logs/**/*.gz")))
        .containsExactly(dir + "/logs/2024/01/deep.gz", dir + "/logs/top.gz");
    assertThat(SourceHarness.readAll(Sources.textFiles(dir + "/logs/**/*.gz")))
        .containsExactly("deep", "top");
  }

  @Test
  void globsFollowLinksToFilesAndSkipHiddenDirectories() throws Exception {
    Path target = write("elsewhere/real.txt", "linked\n");
    Files.createDirectories(dir.resolve("g"));
    Files.createSymbolicLink(dir.resolve("g/link.txt"), target);
    write("g/.git/x.txt", "hidden\n");
    write("g/sub/y.txt", "y\n");
    assertThat(SourceHarness.readAll(Sources.textFiles(dir + "/g/**/*.txt"))).containsExactly("linked", "y");
    assertThat(SourceHarness.readAll(Sources.textFiles(dir + "/g/*.txt"))).containsExactly("linked");
  }

  @Test
  void missingInputNamesThePathAndWhatToCheck() {
    assertThatThrownBy(() -> Sources.textFiles(dir + "/nope.txt").splits(1))
        .isInstanceOf(InputNotFoundException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir + "/nope.txt")
        .hasMessageContaining("does not exist")
        .hasMessageContaining("check the path");
  }

  @Test
  void aGlobMatchingNothingFails() throws Exception {
    write("data/x.txt", "x\n");
    assertThatThrownBy(() -> Sources.textFiles(dir + "/data/*.json").splits(1))
        .isInstanceOf(InputNotFoundException.class)
        .hasMessageContaining("no input files match glob '" + dir + "/data/*.json'")
        .hasMessageContaining("check the pattern");
    assertThatThrownBy(() -> Sources.textFiles(dir + "/missing/*.json").splits(1))
        .isInstanceOf(InputNotFoundException.class)
        .hasMessageContaining(dir + "/missing")
        .hasMessageContaining("does not exist");
  }

  @Test
  void aDirectoryWithoutDataFilesFails() throws Exception {
    write("out/_SUCCESS", "");
    assertThatThrownBy(() -> Sources.textFiles(dir.resolve("out").toString()).splits(1))
        .isInstanceOf(InputNotFoundException.class)
        .hasMessageContaining("contains no data files");
  }

  @Test
  void gzipFilesAreOneSplitEach() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      text.append("line ").append(i).append('\n');
    }
    Path gz = gzip("big.gz", text.toString());
    FileSource<String> source = Sources.textFiles(gz.toString()).withSplitSize(10);
    SourceHarness.Result<String> result = SourceHarness.read(source, 4);
    assertThat(result.splits()).hasSize(1);
    assertThat(result.all()).hasSize(500).startsWith("line 0").endsWith("line 499");
    assertThat(result.positions().get(0).get(499)).isEqualTo("file " + gz + ", line 500 (uncompressed byte "
        + (text.length() - "line 499\n".length()) + ")");
    assertThat(result.bytesRead().get(0)).isEqualTo(Files.size(gz));
  }

  @Test
  void brokenGzipFilesFailNamingTheFile() throws Exception {
    Path notGzip = write("fake.gz", "plain text\n");
    assertThatThrownBy(() -> SourceHarness.readAll(Sources.textFiles(notGzip.toString())))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("cannot read file " + notGzip + " as gzip");

    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      text.append("line ").append(i).append('\n');
    }
    Path gz = gzip("cut.gz", text.toString());
    byte[] bytes = Files.readAllBytes(gz);
    Files.write(gz, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> SourceHarness.readAll(Sources.textFiles(gz.toString())))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("cannot read file " + gz + ", uncompressed byte ");
  }

  @Test
  void splitSizeMustBePositive() {
    assertThatThrownBy(() -> Sources.textFiles("x").withSplitSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("split size must be at least 1 byte, was 0");
  }

  @Test
  void largeInputsAreSplitForParallelismButNotBelowOneMebibyte() throws Exception {
    Path f = dir.resolve("big.txt");
    Files.write(f, new byte[3 << 20]);
    assertThat(Sources.textFiles(f.toString()).splits(3)).hasSize(3);
    assertThat(Sources.textFiles(f.toString()).splits(64)).hasSize(3);
    assertThat(Sources.textFiles(f.toString()).splits(1)).hasSize(1);
  }
}
