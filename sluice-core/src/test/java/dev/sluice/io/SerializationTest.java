package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.source.BadRecordPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources, splits and sinks travel with the plan: they must survive Java serialization. */
class SerializationTest {
  @TempDir Path dir;

  record Person(String name, int age) {}

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void sourcesAndSplitsSurviveSerialization() throws Exception {
    Path csv = Files.writeString(dir.resolve("p.csv"), "name,age\nann,41\nbob,7\n");
    Path txt = Files.writeString(dir.resolve("t.txt"), "12\n3\n");
    assertThat(SourceHarness.readAll(roundTrip(Sources.textFiles(txt.toString())))).containsExactly("12", "3");
    assertThat(SourceHarness.readAll(roundTrip(Sources.csv(csv.toString(), Person.class).withSplitSize(5))))
        .containsExactly(new Person("ann", 41), new Person("bob", 7));
    assertThat(SourceHarness.readAll(roundTrip(Sources.csv(csv.toString()))))
        .containsExactly(Map.of("name", "ann", "age", "41"), Map.of("name", "bob", "age", "7"));
    LineParser<Integer> length = (buf, start, end, out) -> out.collect(end - start);
    FileSource<Integer> lines = roundTrip(Sources.lines(txt.toString(), length)
        .withBadRecordPolicy(BadRecordPolicy.SKIP));
    assertThat(lines.badRecordPolicy()).isEqualTo(BadRecordPolicy.SKIP);
    assertThat(SourceHarness.readAll(lines)).containsExactly(2, 1);
    assertThat(roundTrip(Sources.textFiles(txt.toString()).splits(1))).isEqualTo(
        Sources.textFiles(txt.toString()).splits(1));
  }

  @Test
  void sinksSurviveSerialization() throws Exception {
    Path out = dir.resolve("out");
    FileSink<Person> sink = roundTrip(Sinks.<Person>textFiles(out.toString(), p -> p.name() + ":" + p.age())
        .withOverwrite(true));
    SinkHarness.run(sink, List.of(List.of(new Person("ann", 41))));
    assertThat(Files.readString(out.resolve("part-00000"), StandardCharsets.UTF_8)).isEqualTo("ann:41\n");
    Path json = dir.resolve("json");
    SinkHarness.run(roundTrip(Sinks.<Person>jsonLines(json.toString())), List.of(List.of(new Person("bob", 7))));
    assertThat(SourceHarness.readAll(Sources.jsonLines(json.toString(), Person.class)))
        .containsExactly(new Person("bob", 7));
    assertThat(roundTrip(Sinks.console())).isNotNull();
  }
}
