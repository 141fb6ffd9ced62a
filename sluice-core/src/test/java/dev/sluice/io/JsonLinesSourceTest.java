package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesSourceTest {
  @TempDir Path dir;

  record Click(String user, long ts, double score) {}

  private Path file(String content) throws Exception {
    Path p = dir.resolve("f.jsonl");
    Files.writeString(p, content);
    return p;
  }

  @Test
  void bindsRecordsAndSkipsBlankLines() throws Exception {
    Path f = file("{\"user\":\"ann\",\"ts\":1,\"score\":0.5}\n\n  \r\n{\"ts\":2,\"user\":\"bø\",\"score\":1}\r\n");
    assertThat(SourceHarness.readAll(Sources.jsonLines(f.toString(), Click.class).withSplitSize(7)))
        .containsExactly(new Click("ann", 1, 0.5), new Click("bø", 2, 1.0));
  }

  @Test
  void mapsWork() throws Exception {
    Path f = file("{\"a\":1}\n");
    assertThat(SourceHarness.readAll(Sources.jsonLines(f.toString(), Map.class)))
        .containsExactly(Map.of("a", 1));
  }

  @Test
  void malformedAndIllFittingLinesAreBadRecords() throws Exception {
    Path f = file(String.join("\n",
        "{\"user\":\"ann\",\"ts\":1,\"score\":0.5}",
        "{\"user\":\"bob\",",
        "{\"user\":\"cid\",\"ts\":\"yesterday\",\"score\":1}",
        "{\"user\":\"dan\",\"ts\":1,\"score\":1,\"extra\":true}",
        "{\"user\":\"eve\",\"ts\":null,\"score\":1}",
        "null",
        "{\"user\":\"fay\",\"ts\":1,\"score\":1} trailing",
        "[1,2]",
        "{\"user\":\"gus\",\"ts\":3,\"score\":2}"));
    FileSource<Click> source = Sources.jsonLines(f.toString(), Click.class);
    assertThatThrownBy(() -> SourceHarness.readAll(source))
        .isInstanceOf(BadRecordException.class)
        .hasMessageContaining("file " + f + ", line 2 (byte 34)");

    SourceHarness.Result<Click> dead =
        SourceHarness.read(source.withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER), 1);
    assertThat(dead.all()).containsExactly(new Click("ann", 1, 0.5), new Click("gus", 3, 2));
    assertThat(dead.context().deadLetters).hasSize(7);
    assertThat(dead.context().deadLetters.get(1).reason()).contains("yesterday");
    assertThat(dead.context().deadLetters.get(2).reason()).contains("extra");
    assertThat(dead.context().deadLetters.get(0).position()).isEqualTo("file " + f + ", line 2 (byte 34)");
  }
}
