package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.RunOptions.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void drawsInPlaceThrottlesAndClears() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    bar.accept(new Progress(512L * 1024 * 1024, 1024L * 1024 * 1024));
    String first = bytes.toString(StandardCharsets.UTF_8);
    assertThat(first).startsWith("\r[").contains(" 50% ", "512.0 MB / 1024.0 MB").doesNotContain("\n");
    bar.accept(new Progress(600L * 1024 * 1024, 1024L * 1024 * 1024)); // within 100 ms: not drawn
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(first);
    bar.clear();
    String all = bytes.toString(StandardCharsets.UTF_8);
    assertThat(all.substring(first.length())).matches("\r +\r");
    bar.accept(new Progress(1, 2)); // after clear: ignored
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(all);
  }

  @Test
  void unknownTotalShowsBytesOnly() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    bar.accept(new Progress(3L * 1024 * 1024, -1));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("\rread 3.0 MB");
  }
}
