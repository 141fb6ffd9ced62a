package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.source.BadRecordPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventJsonTest {
  @TempDir Path dir;

  @Test
  void eachEventRoundTripsThroughOneLine() throws Exception {
    for (Event e : GeneratorTest.generate(GeneratorConfig.defaults(500))) {
      String json = EventJson.toJson(e);
      assertThat(json).doesNotContain("\n").startsWith("{\"type\":\"" + e.type().json() + "\"");
      assertThat(EventJson.parse(json)).isEqualTo(e);
    }
    Event odd = Event.of(new Person(1, "Zoë \"Q\" \\ Ng", "a@b", "1", "Kent\tWA", "WA", 5, "é\u0001"));
    assertThat(EventJson.parse(EventJson.toJson(odd))).isEqualTo(odd);
  }

  @Test
  void generatedFileReadsBackAsTheSameEvents() throws Exception {
    GeneratorConfig c = GeneratorConfig.defaults(3_000);
    Path file = dir.resolve("events.json");
    EventJson.generate(c, file);
    assertThat(Files.readAllLines(file)).hasSize(3_000);
    Pipeline p = Pipeline.create("read-events");
    List<Event> back = p.read(EventJson.source(file.toString(), BadRecordPolicy.FAIL))
        .collect(RunOptions.batch().withParallelism(2));
    assertThat(back).containsExactlyInAnyOrderElementsOf(GeneratorTest.generate(c));
  }

  @Test
  void beamStyleBidsWithoutChannelReadWithEmptyStrings() throws Exception {
    Event e = EventJson.parse("{\"type\":\"bid\",\"auction\":1000,\"bidder\":1001,\"price\":5,\"dateTime\":7,\"more\":1}");
    assertThat(e.bid()).isEqualTo(new Bid(1000, 1001, 5, "", "", 7, ""));
  }

  private Path withBadLine() throws Exception {
    List<String> lines = new ArrayList<>();
    for (Event e : GeneratorTest.generate(GeneratorConfig.defaults(100))) {
      lines.add(EventJson.toJson(e));
    }
    lines.add(40, "{\"type\":\"bid\",\"auction\":\"x\"}");
    lines.add(60, "");
    lines.add(70, "{\"type\":\"car\"}");
    Path file = dir.resolve("bad.json");
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void badLinesAreSkippedUnderSkip() throws Exception {
    Path file = withBadLine();
    List<Event> back = Pipeline.create("skip").read(EventJson.source(file.toString(), BadRecordPolicy.SKIP))
        .collect(RunOptions.batch().withParallelism(1));
    assertThat(back).containsExactlyInAnyOrderElementsOf(GeneratorTest.generate(GeneratorConfig.defaults(100)));
  }

  @Test
  void aBadLineFailsTheJobUnderFailNamingTheLine() throws Exception {
    Path file = withBadLine();
    assertThatThrownBy(() -> Pipeline.create("fail").read(EventJson.source(file.toString(), BadRecordPolicy.FAIL))
        .collect(RunOptions.batch().withParallelism(1)))
        .isInstanceOf(JobFailedException.class)
        .hasMessageContaining("line 41")
        .hasMessageContaining("auction");
  }
}
