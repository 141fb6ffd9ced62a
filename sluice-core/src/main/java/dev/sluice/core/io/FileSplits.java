package dev.sluice.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Cuts files into splits. */
public final class FileSplits {
  /** Below this, a split is not made smaller to reach the requested parallelism. */
  static final long MIN_PARALLEL_SPLIT = 1 << 20;

  private FileSplits() {}

  /**
   * Like Spark's file splitting: the effective split size is {@code min(maxSplitSize,
   * max(1 MiB, total / parallelism))}, so that a few large files still feed every task; a file
   * longer than that is cut into the fewest splits no longer than it, all of equal length (to the
   * byte). Gzip files and unsplittable formats are one split each.
   */
  public static List<FileSplit> plan(List<Path> files, long maxSplitSize, int parallelism,
      boolean splittable) throws IOException {
    long total = 0;
    long[] lengths = new long[files.size()];
    for (int i = 0; i < files.size(); i++) {
      lengths[i] = Files.size(files.get(i));
      total += lengths[i];
    }
    long perTask = total / Math.max(1, parallelism);
    long size = Math.max(1, Math.min(maxSplitSize, Math.max(MIN_PARALLEL_SPLIT, perTask)));
    List<FileSplit> splits = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      String path = files.get(i).toString();
      long len = lengths[i];
      boolean whole = !splittable || path.endsWith(".gz");
      if (whole || len <= size) {
        splits.add(new FileSplit(splits.size(), path, 0, len, len, whole));
        continue;
      }
      // As few splits as the size allows, all of (nearly) equal length: cutting every `size` bytes
      // would leave a short last split, and the task that reads it finishes early while the others
      // still work (on a 1.3 GB file at p=2: 41 full splits and a 4 MB one).
      long n = (len + size - 1) / size;
      for (long k = 0; k < n; k++) {
        splits.add(new FileSplit(splits.size(), path, len * k / n, len * (k + 1) / n, len, false));
      }
    }
    return splits;
  }
}
