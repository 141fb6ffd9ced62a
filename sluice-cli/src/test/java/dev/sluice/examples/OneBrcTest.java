package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OneBrcTest {
  @TempDir Path dir;

  static Path samples() throws URISyntaxException {
    return Path.of(OneBrcTest.class.getResource("/1brc/measurements-1.txt").toURI()).getParent();
  }

  static Stream<String> sampleFiles() throws IOException, URISyntaxException {
    List<String> names;
    try (Stream<Path> s = Files.list(samples())) {
      names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt")).sorted().toList();
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(12);
    return names.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sampleFiles")
  void matchesTheOfficialExpectedOutputByteForByte(String file) throws Exception {
    Path in = samples().resolve(file);
    String expected = Files.readString(samples().resolve(file.replace(".txt", ".out")), StandardCharsets.UTF_8);
    for (String p : new String[] {"1", "2", "3"}) {
      MainAccess.Outcome o = MainAccess.run("run", "1brc", "--input", in.toString(), "--parallelism", p);
      assertThat(o.code()).as(o.err()).isZero();
      assertThat(o.out()).as("parallelism " + p).isEqualTo(expected);
    }
  }

  @Test
  void generatedFileMatchesAPlainJavaReference() throws IOException {
    Path in = dir.resolve("m.txt");
    OneBrcGenerator.generate(20_000, in, 7);
    MainAccess.Outcome o = MainAccess.run("run", "1brc", "--input", in.toString(), "-p", "2");
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).isEqualTo(reference(in) + System.lineSeparator());
  }

  @Test
  void streamingModeGivesTheSameOutputWithItsObjectReusingSource() throws IOException {
    // The example's source refills one Sample per reader: in streaming mode it must feed its
    // aggregation by plain calls, never through a channel (which would hold many references to it).
    Path in = dir.resolve("s.txt");
    OneBrcGenerator.generate(50_000, in, 11);
    String streaming = OneBrc.run(in.toString(), dev.sluice.api.RunOptions.streaming().withParallelism(2));
    assertThat(streaming).isEqualTo(reference(in));
  }

  /** The challenge's baseline: doubles, groupingBy, TreeMap.toString. */
  static String reference(Path file) throws IOException {
    record Row(double min, double mean, double max) {
      @Override public String toString() { return round(min) + "/" + round(mean) + "/" + round(max); }
      private static double round(double v) { return Math.round(v * 10.0) / 10.0; }
    }
    Map<String, double[]> acc = new TreeMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = line.split(";");
      double v = Double.parseDouble(parts[1]);
      double[] a = acc.computeIfAbsent(parts[0], k -> new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, 0});
      a[0] = Math.min(a[0], v);
      a[1] = Math.max(a[1], v);
      a[2] += v;
      a[3]++;
    }
    return acc.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey,
            e -> new Row(e.getValue()[0], (Math.round(e.getValue()[2] * 10.0) / 10.0) / e.getValue()[3], e.getValue()[1]),
            (a, b) -> a, TreeMap::new))
        .toString();
  }

  @Test
  void sameNameGivesTheSameCachedStringWhateverTheTemperatureLength() throws Exception {
    OneBrc.MeasurementParser parser = new OneBrc.MeasurementParser();
    for (String name : new String[] {"A", "Abha", "Abcdefg", "Abcdefgh", "Abcdefghi", "São Paulo", "Petropavlovsk-Kamchatsky"}) {
      java.util.List<OneBrc.Sample> out = new java.util.ArrayList<>();
      for (String t : new String[] {"1.0", "-1.0", "12.3", "-12.3", "0.0"}) {
        byte[] line = ("xx\n" + name + ";" + t + "\n").getBytes(StandardCharsets.UTF_8);
        int start = 3;
        parser.parse(line, start, line.length - 1, out::add);
      }
      assertThat(out).extracting(OneBrc.Sample::station).containsOnly(name);
      assertThat(out.stream().map(OneBrc.Sample::station).distinct().count()).isEqualTo(1);
      assertThat(new java.util.HashSet<>(out.stream().map(s -> System.identityHashCode(s.station())).toList())).hasSize(1);
      assertThat(out).extracting(OneBrc.Sample::tenths).containsExactly(10, -10, 123, -123, 0);
    }
  }

  @Test
  void wordAtATimeAndBufferEndPathsAgreeOnEveryNameLength() throws Exception {
    OneBrc.MeasurementParser parser = new OneBrc.MeasurementParser();
    String alphabet = "abcdefghijklmnopqrstuvwxyzé;";
    for (int len = 1; len <= 40; len++) {
      StringBuilder nb = new StringBuilder();
      for (int i = 0; i < len; i++) {
        nb.append(alphabet.charAt((i * 7 + len) % 27)); // never ';'
      }
      String name = nb.toString();
      java.util.List<OneBrc.Sample> out = new java.util.ArrayList<>();
      for (int pad = 0; pad < 24; pad++) {
        // the line at the end of an exact buffer (no room for whole words) and inside a larger one
        byte[] line = ("x".repeat(pad) + name + ";-4.2").getBytes(StandardCharsets.UTF_8);
        parser.parse(line, pad, line.length, out::add);
        byte[] roomy = ("x".repeat(pad) + name + ";-4.2\n" + "y;1.0\n".repeat(8)).getBytes(StandardCharsets.UTF_8);
        parser.parse(roomy, pad, line.length, out::add);
      }
      assertThat(out).extracting(OneBrc.Sample::station).as("length %d", len).containsOnly(name);
      assertThat(new java.util.HashSet<>(out.stream().map(s -> System.identityHashCode(s.station())).toList()))
          .as("one cached String for %s", name).hasSize(1);
      assertThat(out).extracting(OneBrc.Sample::tenths).containsOnly(-42);
    }
    for (String bad : new String[] {"abc", "abcdefghijklmnop", "abcdefghijklmnopqrstuvwxyz"}) {
      byte[] b = (bad + "\nz;1.0\n" + "y;1.0\n".repeat(6)).getBytes(StandardCharsets.UTF_8);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> parser.parse(b, 0, bad.length(), s -> {}))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no ';'");
    }
  }

  @Test
  void parsesTenthsFromBytes() {
    assertThat(OneBrc.MeasurementParser.parseTenths("-99.9".getBytes(), 0, 5)).isEqualTo(-999);
    assertThat(OneBrc.MeasurementParser.parseTenths("0.0".getBytes(), 0, 3)).isZero();
    assertThat(OneBrc.MeasurementParser.parseTenths("7.5".getBytes(), 0, 3)).isEqualTo(75);
    assertThat(OneBrc.MeasurementParser.parseTenths("-3.4".getBytes(), 0, 4)).isEqualTo(-34);
    assertThat(OneBrc.MeasurementParser.parseTenths("12".getBytes(), 0, 2)).isEqualTo(120);
    for (int t = -999; t <= 999; t++) {
      String text = (t < 0 ? "-" : "") + Math.abs(t) / 10 + "." + Math.abs(t) % 10;
      byte[] line = ("ab;" + text + "x").getBytes(StandardCharsets.UTF_8);
      assertThat(OneBrc.MeasurementParser.parseTenths(line, 3, line.length - 1)).as(text).isEqualTo(t);
    }
    for (String bad : new String[] {"", "-", ".5", "-.5", "--1.0", "1.", "1.23", "a.5", "1a.5", "-1a.5", "1.x", "12345.6", "1,5"}) {
      byte[] b = bad.getBytes(StandardCharsets.UTF_8);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> OneBrc.MeasurementParser.parseTenths(b, 0, b.length))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
