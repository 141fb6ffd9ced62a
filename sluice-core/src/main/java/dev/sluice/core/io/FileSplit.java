package dev.sluice.core.io;

import dev.sluice.api.source.SourceSplit;

/**
 * A byte range [start, end) of one file. The split owns every line that starts inside the range. A
 * whole-file split (compressed files, unsplittable formats) has {@code whole == true}.
 *
 * <p>Splits also describe what is left of a split after a checkpoint ({@link
 * LineSplitReader#remainingSplit}):
 *
 * <ul>
 *   <li>{@code firstLine} is the 1-based number of the line that starts at {@code start}, or 0 if
 *       unknown (a split cut at an arbitrary byte). A remaining split keeps the line numbers of the
 *       split it came from, so messages name the same line after a restore as before.
 *   <li>{@code skipLines} is used by whole gzip files only (they cannot be sought): the number of
 *       lines (the header included) already read, which a reader decompresses and passes over
 *       before it emits anything.
 *   <li>A split that is not whole and has {@code start >= end} is {@link #exhausted}: nothing is
 *       left; its reader emits nothing and does not open the file.
 * </ul>
 */
public record FileSplit(int index, String path, long start, long end, long fileLength, boolean whole,
    long firstLine, long skipLines) implements SourceSplit {

  public FileSplit {
    if (firstLine < 0 || skipLines < 0) {
      throw new IllegalArgumentException("firstLine and skipLines must be >= 0: " + firstLine + ", " + skipLines);
    }
  }

  /** A split as planned: line numbers are known when it starts at the file's first byte. */
  public FileSplit(int index, String path, long start, long end, long fileLength, boolean whole) {
    this(index, path, start, end, fileLength, whole, start == 0 || whole ? 1 : 0, 0);
  }

  @Override
  public String id() {
    if (exhausted()) {
      return path + "[end]";
    }
    if (whole) {
      return skipLines == 0 ? path : path + "[after line " + skipLines + "]";
    }
    return path + "[" + start + ".." + end + ")";
  }

  @Override
  public long sizeBytes() {
    return Math.max(0, end - start);
  }

  /** Whether nothing is left of this split (what remains of a split read to its end). */
  public boolean exhausted() {
    return !whole && start >= end;
  }

  /** The empty rest of this split, once it has been read to its end. */
  FileSplit rest() {
    return new FileSplit(index, path, end, end, fileLength, false, 0, 0);
  }

  boolean gzip() {
    return path.endsWith(".gz");
  }
}
