package dev.sluice.core.io;

import dev.sluice.api.source.SourceSplit;

/**
 * A byte range [start, end) of one file. The split owns every line that starts inside the range. A
 * whole-file split (compressed files, unsplittable formats) has {@code whole == true}.
 */
public record FileSplit(int index, String path, long start, long end, long fileLength, boolean whole)
    implements SourceSplit {

  @Override
  public String id() {
    return whole ? path : path + "[" + start + ".." + end + ")";
  }

  @Override
  public long sizeBytes() {
    return end - start;
  }

  boolean gzip() {
    return path.endsWith(".gz");
  }
}
