package dev.sluice.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Comparing a job's output records with the expected ones, shared by the checkpoint tests of several modules. */
public final class Records {
  private Records() {}

  /** Equal as sorted lists; on failure says how many are missing and duplicated, with examples. */
  public static void assertSameRecords(List<String> got, List<String> expected, String what) {
    if (got.equals(expected)) {
      return;
    }
    Map<String, Integer> counts = new HashMap<>();
    for (String s : got) {
      counts.merge(s, 1, Integer::sum);
    }
    List<String> missing = new ArrayList<>();
    for (String s : expected) {
      if (counts.merge(s, -1, Integer::sum) < 0) {
        missing.add(s);
      }
    }
    List<String> extra = new ArrayList<>();
    counts.forEach((k, v) -> {
      for (int i = 0; i < v; i++) {
        extra.add(k);
      }
    });
    throw new AssertionError(what + ": " + got.size() + " records, expected " + expected.size() + "; "
        + missing.size() + " missing (e.g. " + missing.subList(0, Math.min(10, missing.size())) + "), "
        + extra.size() + " extra or duplicated (e.g. " + extra.subList(0, Math.min(10, extra.size())) + ")");
  }

  /** The lines of all {@code part-*} files in {@code dir}, sorted. */
  public static List<String> readParts(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<String> lines = new ArrayList<>();
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        lines.addAll(Files.readAllLines(f));
      }
      lines.sort(null);
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
