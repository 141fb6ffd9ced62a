package dev.sluice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A benchmark's child JVM, run to its end with its output (stdout and stderr) echoed indented. */
final class ChildProcess {
  private ChildProcess() {}

  /** Runs {@code cmd}, printing each line of its output as {@code "  | line"}; returns its exit code. */
  static int runEchoing(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        System.out.println("  | " + line);
      }
    }
    return p.waitFor();
  }
}
