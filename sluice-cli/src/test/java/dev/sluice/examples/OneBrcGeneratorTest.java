package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OneBrcGeneratorTest {
  @TempDir Path dir;

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
    Path a = dir.resolve("a.txt");
    Path b = dir.resolve("b.txt");
    Path c = dir.resolve("c.txt");
    OneBrcGenerator.generate(5_000, a, 11);
    OneBrcGenerator.generate(5_000, b, 11);
    OneBrcGenerator.generate(5_000, c, 12);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    assertThat(Files.readAllBytes(a)).isNotEqualTo(Files.readAllBytes(c));
  }

  @Test
  void linesHaveTheChallengeFormat() throws IOException {
    Path a = dir.resolve("a.txt");
    OneBrcGenerator.generate(20_000, a, 5);
    List<String> lines = Files.readAllLines(a, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(20_000);
    long stations = lines.stream().map(l -> l.substring(0, l.lastIndexOf(';'))).distinct().count();
    assertThat(stations).isGreaterThan(400).isLessThanOrEqualTo(413);
    for (String line : lines) {
      assertThat(line).matches("[^;\\n]{1,100};-?\\d{1,2}\\.\\d");
      double t = Double.parseDouble(line.substring(line.lastIndexOf(';') + 1));
      assertThat(t).isBetween(-99.9, 99.9);
    }
  }

  @Test
  void valuesAreGaussianAroundTheStationMean() throws IOException {
    Path a = dir.resolve("a.txt");
    OneBrcGenerator.generate(200_000, a, 9);
    double sum = 0;
    double sq = 0;
    int n = 0;
    for (String line : Files.readAllLines(a, StandardCharsets.UTF_8)) {
      if (line.startsWith("Abha;")) { // mean 18.0
        double t = Double.parseDouble(line.substring(5));
        sum += t;
        sq += t * t;
        n++;
      }
    }
    double mean = sum / n;
    double sd = Math.sqrt(sq / n - mean * mean);
    assertThat(mean).isBetween(16.5, 19.5);
    assertThat(sd).isBetween(9.0, 11.0);
  }

  @Test
  void zeroRowsGivesAnEmptyFile() throws IOException {
    Path a = dir.resolve("a.txt");
    OneBrcGenerator.generate(0, a, 1);
    assertThat(Files.size(a)).isZero();
  }
}
