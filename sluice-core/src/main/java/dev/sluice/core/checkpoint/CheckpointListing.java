package dev.sluice.core.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table printed by {@code sluice checkpoints list <dir>}: every job's checkpoints with their statistics. */
public final class CheckpointListing {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
      .withZone(ZoneOffset.UTC);

  private CheckpointListing() {}

  public static String format(Path dir) throws IOException {
    List<Path> jobs = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (Files.isDirectory(p)) {
          jobs.add(p);
        }
      }
    }
    jobs.sort(null);
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-20s %6s  %-19s %10s %12s %12s %10s  %s%n", "JOB", "ID", "TIME (UTC)",
        "DURATION", "SIZE", "WRITTEN", "ALIGNMENT", "STATE"));
    int n = 0;
    for (Path job : jobs) {
      CheckpointStorage storage = new CheckpointStorage(dir, job.getFileName().toString());
      for (long id : storage.ids()) {
        n++;
        String name = job.getFileName().toString();
        if (!storage.hasMetadata(id)) {
          b.append(String.format(Locale.ROOT, "%-20s %6d  %-19s %10s %12s %12s %10s  %s%n", name, id, "-", "-", "-",
              "-", "-", "incomplete"));
          continue;
        }
        try {
          CheckpointMetadata m = storage.readMetadata(id);
          String state = m.last() ? "complete (job ended)" : "complete";
          if (!m.nativeFiles().isEmpty()) {
            state += String.format(Locale.ROOT, ", incremental: %d of %d shared files reused (%s)", m.reusedFiles(),
                m.nativeFiles().size(), bytes(m.reusedBytes()));
          }
          b.append(String.format(Locale.ROOT, "%-20s %6d  %-19s %8d ms %12s %12s %7.1f ms  %s%n", name, id,
              TIME.format(Instant.ofEpochMilli(m.timestampMillis())), m.durationMillis(), bytes(m.sizeBytes()),
              bytes(m.writtenBytes()), m.alignmentNanos() / 1e6, state));
        } catch (CheckpointException e) {
          b.append(String.format(Locale.ROOT, "%-20s %6d  %-19s %10s %12s %12s %10s  %s%n", name, id, "-", "-", "-",
              "-", "-", (e.incompatible ? "incompatible: " : "unreadable: ") + e.getMessage()));
        }
      }
    }
    if (n == 0) {
      b.append("no checkpoints in ").append(dir).append('\n');
    }
    return b.toString().stripTrailing();
  }

  private static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
  }
}
