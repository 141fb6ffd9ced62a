package dev.sluice.core.runtime;

import dev.sluice.core.codec.Serde;
import dev.sluice.core.codec.SpillOutput;
import dev.sluice.core.io.FileOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every task of a job shares: the memory budget, the serializer and the job's spill directory.
 * Thread-safe. The spill directory is created on first use and removed by {@link #close}, also when
 * the job failed.
 */
final class JobResources implements AutoCloseable {
  final MemoryBudget budget;
  final Serde serde;
  private final Path tempRoot;
  private final String jobName;
  private volatile Path spillDir;
  private final AtomicLong fileCounter = new AtomicLong();
  final AtomicLong spilledBytes = new AtomicLong();
  final AtomicLong spillFiles = new AtomicLong();

  JobResources(MemoryBudget budget, Serde serde, Path tempRoot, String jobName) {
    this.budget = budget;
    this.serde = serde;
    this.tempRoot = tempRoot;
    this.jobName = jobName.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /** A fresh file name in the job's spill directory. */
  Path newSpillFile(String kind) {
    Path dir = jobDir();
    spillFiles.incrementAndGet();
    return dir.resolve(kind + "-" + fileCounter.incrementAndGet() + ".bin");
  }

  /**
   * The job's temp directory under {@code RunOptions.tempDir} (spill files, state backends' working
   * files), created on first use and removed with everything in it by {@link #close}.
   */
  Path jobDir() {
    Path dir = spillDir;
    if (dir == null) {
      synchronized (this) {
        if (spillDir == null) {
          try {
            Files.createDirectories(tempRoot);
            spillDir = Files.createTempDirectory(tempRoot, "sluice-" + jobName + "-");
          } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spill directory under " + tempRoot
                + " (" + e.getMessage() + "); set RunOptions.withTempDir to a writable directory with free space", e);
          }
        }
        dir = spillDir;
      }
    }
    return dir;
  }

  /**
   * Writes {@code records} to a new spill file and returns it. On failure the partial file is
   * deleted and the error names it and says what to do.
   */
  Path spill(String kind, Iterable<?> records) {
    Path file = newSpillFile(kind);
    try (SpillOutput out = serde.openWrite(file)) {
      for (Object r : records) {
        out.write(r);
      }
      spilledBytes.addAndGet(out.bytesWritten());
    } catch (IOException e) {
      deleteQuietly(file);
      throw new UncheckedIOException(cannotWrite(file, e), e);
    }
    return file;
  }

  static String cannotWrite(Path file, IOException e) {
    return "cannot write spill file " + file + " (" + e.getMessage()
        + "); free disk space there or set RunOptions.withTempDir to a larger disk";
  }

  static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // Removed with the whole directory at the end of the job.
      }
    }
  }

  @Override
  public void close() {
    Path dir = spillDir;
    if (dir == null) {
      return;
    }
    try {
      FileOutput.deleteRecursively(dir);
    } catch (IOException | UncheckedIOException e) {
      org.slf4j.LoggerFactory.getLogger(JobResources.class).warn("could not remove spill directory {}: {}", dir, e.toString());
    }
  }
}
