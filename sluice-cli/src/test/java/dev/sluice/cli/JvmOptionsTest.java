package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JvmOptionsTest {
  /** The repository's root: the module's parent directory (Maven runs the tests in the module). */
  private static final Path LAUNCHER_OPTIONS = Path.of("..").resolve(JvmOptions.FILE);

  @Test
  void commentsAndBlankLinesAreSkippedAndOptionsTrimmed() {
    assertThat(JvmOptions.parse(List.of("# a comment", "", "  -Xss2m  ", "-XX:+UseG1GC # why", "   # indented",
        "-XX:CompileCommand=dontinline,a.b.*::c"))).containsExactly("-Xss2m", "-XX:+UseG1GC",
            "-XX:CompileCommand=dontinline,a.b.*::c");
  }

  /**
   * The launcher passes the file's options to every {@code ./sluice} JVM: each must be one this Java
   * accepts (a misspelt option stops the JVM; a bad compile command is only reported, so that is
   * checked too).
   */
  @Test
  void theLauncherOptionsAreAcceptedByThisJava() throws IOException, InterruptedException {
    assertThat(LAUNCHER_OPTIONS).isRegularFile();
    List<String> options = JvmOptions.read(LAUNCHER_OPTIONS);
    assertThat(options).isNotEmpty();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(options);
    cmd.add("-version");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out.toLowerCase(java.util.Locale.ROOT)).as(out).doesNotContain("error").doesNotContain("unrecognized")
        .doesNotContain("warning");
  }
}
