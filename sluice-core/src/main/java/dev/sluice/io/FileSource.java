package dev.sluice.io;

import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.io.FileSplit;
import dev.sluice.core.io.FileSplits;
import dev.sluice.core.io.InputFiles;
import dev.sluice.core.io.LineFormat;
import dev.sluice.core.io.LineSplitReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A line-oriented file source (text, CSV, JSON lines, custom {@link LineParser}); create one with
 * {@link Sources}. Immutable and thread-safe: the {@code with*} methods return copies.
 *
 * <p>The input (a file, a directory or a glob) is resolved when the job starts ({@link #splits}),
 * not when the source is created; a path that matches nothing fails there with an
 * {@link InputNotFoundException}. Files larger than the split size are cut into byte ranges read in
 * parallel; {@code .gz} files are read whole, one task each.
 *
 * <p>Checkpoints: a reader's {@code remainingSplit()} is the unread rest of its byte range,
 * starting at the line after the last one read (see {@link LineSplitReader#remainingSplit}).
 */
public final class FileSource<T> implements Source<T> {
  /** Default largest split: 32 MiB. */
  public static final long DEFAULT_SPLIT_SIZE = 32L << 20;

  private final String kind;
  private final String input;
  private final LineFormat<T> format;
  private final BadRecordPolicy policy;
  private final long splitSize;
  private final boolean reusesRecords;

  FileSource(String kind, String input, LineFormat<T> format) {
    this(kind, input, format, BadRecordPolicy.FAIL, DEFAULT_SPLIT_SIZE, false);
  }

  private FileSource(String kind, String input, LineFormat<T> format, BadRecordPolicy policy,
      long splitSize, boolean reusesRecords) {
    this.kind = kind;
    this.input = Objects.requireNonNull(input, "input path");
    this.format = format;
    this.policy = policy;
    this.splitSize = splitSize;
    this.reusesRecords = reusesRecords;
  }

  /** What to do with lines that cannot be parsed; default {@link BadRecordPolicy#FAIL}. */
  public FileSource<T> withBadRecordPolicy(BadRecordPolicy p) {
    return new FileSource<>(kind, input, format, Objects.requireNonNull(p, "policy"), splitSize, reusesRecords);
  }

  /**
   * The largest byte range one task reads (default 32 MiB, at least 1). Splits are also made
   * smaller, down to 1 MiB, when that gives every task of the job some input.
   */
  public FileSource<T> withSplitSize(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("split size must be at least 1 byte, was " + bytes);
    }
    return new FileSource<>(kind, input, format, policy, bytes, reusesRecords);
  }

  /**
   * Declares that the parser emits the same mutable object for successive records (opt-in object
   * reuse, e.g. a {@link LineParser} from a {@link LineParser.Factory} that refills one record per
   * line), saving an allocation per line. Only allowed when the source feeds keyed aggregations that
   * combine before the shuffle, directly; see {@link Source#reusesRecords()} for what the key
   * selector and the aggregation must then respect. A parser that reuses records without this
   * declaration breaks the engine's contract.
   */
  public FileSource<T> reusingRecords() {
    return new FileSource<>(kind, input, format, policy, splitSize, true);
  }

  @Override
  public boolean reusesRecords() {
    return reusesRecords;
  }

  /** The input as given: a file, directory or glob. */
  public String input() {
    return input;
  }

  public long splitSize() {
    return splitSize;
  }

  @Override
  public List<FileSplit> splits(int parallelism) throws IOException {
    return FileSplits.plan(InputFiles.resolve(input), splitSize, parallelism, format.splittable());
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) throws IOException {
    FileSplit fs = (FileSplit) split;
    // the rest of a split read to its end opens nothing (CSV would read the header again)
    LineParser<T> parser = fs.exhausted() ? (buf, start, end, out) -> { } : format.open(Path.of(fs.path()));
    return new LineSplitReader<>(fs, parser, format.hasHeader(), context);
  }

  @Override
  public BadRecordPolicy badRecordPolicy() {
    return policy;
  }

  @Override
  public String name() {
    return kind + "(" + input + ")";
  }

  @Override
  public String toString() {
    return name();
  }
}
