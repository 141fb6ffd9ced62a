package dev.sluice.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's JVM options file, {@code jvm.options} beside the {@code ./sluice} script: one option
 * per line, {@code #} starts a comment, blank lines are skipped. The script reads it the same way;
 * the benchmarks that start fresh JVMs read it here, so they measure what the launcher runs.
 */
public final class JvmOptions {
  /** The file's name, in the repository's root directory. */
  public static final String FILE = "jvm.options";

  private JvmOptions() {}

  /** The options of {@code file}. */
  public static List<String> read(Path file) throws IOException {
    return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /** The options in {@code lines}. */
  public static List<String> parse(List<String> lines) {
    List<String> options = new ArrayList<>();
    for (String line : lines) {
      int hash = line.indexOf('#');
      String option = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (!option.isEmpty()) {
        options.add(option);
      }
    }
    return options;
  }
}
