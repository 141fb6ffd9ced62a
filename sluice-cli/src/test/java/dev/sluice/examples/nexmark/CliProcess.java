package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code sluice} command in a child JVM (stdout discarded, stderr to a file), for the tests of its signal handling and savepoints. */
final class CliProcess {
  private CliProcess() {}

  /** Starts {@code sluice <args>} on this test's class path with its stderr in {@code errFile}. */
  static Process start(Path errFile, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.sluice.cli.Main"));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(errFile.toFile()).start();
  }

  /** Waits until stderr contains {@code text}, asserting meanwhile that the process is still running. */
  static void awaitStderr(Process p, Path errFile, String text) throws Exception {
    while (!Files.readString(errFile).contains(text)) {
      assertThat(p.isAlive()).as("the process is running: " + Files.readString(errFile)).isTrue();
      Thread.sleep(20);
    }
  }
}
