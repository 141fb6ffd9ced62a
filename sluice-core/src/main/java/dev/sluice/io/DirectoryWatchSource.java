package dev.sluice.io;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.io.FileSplit;
import dev.sluice.core.io.LineFormat;
import dev.sluice.core.io.LineSplitReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An unbounded source that reads the files that appear in a directory, line by line; create one
 * with {@link Sources#watchDirectory}. Immutable and thread-safe: the {@code with*} methods return
 * copies.
 *
 * <p><b>The contract for writers.</b> Write a file under a hidden name (starting with {@code .} or
 * {@code _}, which the source ignores) and rename it into place when it is complete: a rename within
 * one file system is atomic, so the source never sees a partial file. A file written in place is
 * picked up once its size and modification time have not changed between two polls, so a writer
 * that pauses longer than the poll interval in the middle of a file may have it read incomplete;
 * {@link #withoutStabilityCheck} (for writers that always rename) reads files at the first poll that
 * sees them. Sub-directories are not read.
 *
 * <p><b>What is read.</b> Every regular, non-hidden file, whether it was there when the job started
 * or appeared later, is read exactly once, up to the length it had when it was picked up (lines
 * appended later are not read; a file replaced under the same name is not read again). Files picked
 * up by one poll are read in name order, one after the other. A picked-up file that has disappeared or
 * cannot be read when its turn comes fails the job with a message naming it, or, under the
 * {@code SKIP}/{@code DEAD_LETTER} bad-record policy, is reported as one bad record (position
 * {@code file <path>}) and passed over. The directory itself must exist when the job starts.
 *
 * <p><b>Splits.</b> At parallelism {@code p} there are {@code p} splits; split {@code s} reads the
 * files whose name hashes to {@code s} ({@code floorMod(name.hashCode(), p)}), so files are read in
 * parallel, each by exactly one split, and name order holds per split. Use parallelism 1 for one
 * global name order. Each split lists the directory every poll interval (default 1 s) and remembers
 * the names it has read (memory grows with the number of files).
 *
 * <p><b>Checkpoints.</b> A reader's {@link SplitReader#remainingSplit} is its split plus its
 * progress: the names of the files it has finished (read to the end, or passed over as unreadable),
 * the rest of the file it is reading (a {@link FileSplit} from the line after the last one read, see
 * {@link LineSplitReader#remainingSplit}) and the files picked up but not started yet, with the
 * lengths they had when picked up. A reader restored from it goes on with that file, then those
 * files, and never reads a finished name again. Files seen by a poll but not yet picked up (still
 * settling) are not carried: the restored reader sees them at its first poll and, with the stability
 * check, picks them up one poll later.
 *
 * <p>Readers do blocking file I/O ({@link #blocking()} is true) and never wait for files: with
 * nothing new they return from {@link SplitReader#read} having emitted nothing.
 */
public final class DirectoryWatchSource<T> implements Source<T> {
  /** How often each split lists the directory unless {@link #withPollInterval} says otherwise. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private final String kind;
  private final String dir;
  private final LineFormat<T> format;
  private final BadRecordPolicy policy;
  private final Duration pollInterval;
  private final boolean stabilityCheck;

  DirectoryWatchSource(String kind, String dir, LineFormat<T> format) {
    this(kind, Objects.requireNonNull(dir, "directory"), format, BadRecordPolicy.FAIL, DEFAULT_POLL_INTERVAL, true);
  }

  private DirectoryWatchSource(String kind, String dir, LineFormat<T> format, BadRecordPolicy policy,
      Duration pollInterval, boolean stabilityCheck) {
    this.kind = kind;
    this.dir = dir;
    this.format = format;
    this.policy = policy;
    this.pollInterval = pollInterval;
    this.stabilityCheck = stabilityCheck;
  }

  /** How often to list the directory (default 1 s); zero lists it on every read. */
  public DirectoryWatchSource<T> withPollInterval(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("poll interval must be zero or positive, was " + interval);
    }
    return new DirectoryWatchSource<>(kind, dir, format, policy, interval, stabilityCheck);
  }

  /** What to do with lines that cannot be parsed and files that cannot be read; default FAIL. */
  public DirectoryWatchSource<T> withBadRecordPolicy(BadRecordPolicy p) {
    return new DirectoryWatchSource<>(kind, dir, format, Objects.requireNonNull(p, "policy"), pollInterval, stabilityCheck);
  }

  /**
   * Reads a file at the first poll that sees it instead of waiting one more poll for its size to
   * settle: for writers that always write under a hidden name and rename.
   */
  public DirectoryWatchSource<T> withoutStabilityCheck() {
    return new DirectoryWatchSource<>(kind, dir, format, policy, pollInterval, false);
  }

  public String directory() {
    return dir;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * Split {@code index} of {@code count}: the files whose name hashes to {@code index}. The rest of a
   * split at a checkpoint also holds the reader's progress: {@code finished} file names (sorted),
   * the rest of the {@code current} file (null if none) and the files picked up but not started
   * ({@code pending} names in reading order, with their {@code pendingLengths}).
   */
  record WatchSplit(int index, int count, String directory, List<String> finished, FileSplit current,
      List<String> pending, List<Long> pendingLengths) implements SourceSplit {
    WatchSplit {
      finished = List.copyOf(finished);
      pending = List.copyOf(pending);
      pendingLengths = List.copyOf(pendingLengths);
      if (pending.size() != pendingLengths.size()) {
        throw new IllegalArgumentException("pending files and lengths differ in number: " + pending + ", "
            + pendingLengths);
      }
    }

    WatchSplit(int index, int count, String directory) {
      this(index, count, directory, List.of(), null, List.of(), List.of());
    }

    @Override
    public String id() {
      return directory + "[" + index + "/" + count + "]";
    }
  }

  @Override
  public List<WatchSplit> splits(int parallelism) {
    Path d = Path.of(dir);
    if (!Files.isDirectory(d)) {
      throw new InputNotFoundException("watched directory " + d.toAbsolutePath() + " does not exist or is not"
          + " a directory; create it before starting the job (files may then arrive in it at any time)");
    }
    int n = Math.max(1, parallelism);
    List<WatchSplit> splits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      splits.add(new WatchSplit(i, n, d.toAbsolutePath().toString()));
    }
    return splits;
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    return new Reader((WatchSplit) split, context);
  }

  @Override
  public boolean bounded() {
    return false;
  }

  @Override
  public boolean blocking() {
    return true;
  }

  @Override
  public BadRecordPolicy badRecordPolicy() {
    return policy;
  }

  @Override
  public String name() {
    return kind + "(" + dir + ")";
  }

  @Override
  public String toString() {
    return name();
  }

  static boolean hidden(String name) {
    return name.startsWith(".") || name.startsWith("_");
  }

  /** Size and modification time of a file seen by one poll and not picked up yet. */
  private record Seen(long size, long modified) {}

  private final class Reader implements SplitReader<T> {
    private final WatchSplit split;
    private final SourceContext context;
    private final Path directory;
    private final long intervalNanos;
    /** Names picked up (finished, being read or pending): never picked up again. */
    private final Set<String> taken = new HashSet<>();
    /** Names read to the end or passed over: what a checkpoint carries. */
    private final Set<String> finished = new HashSet<>();
    /** A restored reader's current file, opened by the first read. */
    private FileSplit resume;
    private final Map<String, Seen> growing = new HashMap<>();
    private final ArrayDeque<Path> ready = new ArrayDeque<>();
    private final Map<Path, Long> readyLength = new HashMap<>();
    private LineSplitReader<T> current;
    private long bytesDone;
    private long filesRead;
    private long lastPoll;
    private boolean polled;

    Reader(WatchSplit split, SourceContext context) {
      this.split = split;
      this.context = context;
      this.directory = Path.of(split.directory());
      this.intervalNanos = pollInterval.toNanos();
      finished.addAll(split.finished());
      taken.addAll(split.finished());
      for (int i = 0; i < split.pending().size(); i++) {
        Path p = directory.resolve(split.pending().get(i));
        taken.add(split.pending().get(i));
        ready.add(p);
        readyLength.put(p, split.pendingLengths().get(i));
      }
      if (split.current() != null) {
        taken.add(Path.of(split.current().path()).getFileName().toString());
        resume = split.current();
      }
      filesRead = finished.size();
    }

    @Override
    public boolean read(Collector<? super T> out) throws IOException {
      if (resume != null) {
        FileSplit fs = resume;
        resume = null;
        open(Path.of(fs.path()), fs);
      }
      if (current != null) {
        if (current.read(out)) {
          return true;
        }
        finishCurrent();
      }
      if (ready.isEmpty()) {
        long now = System.nanoTime();
        if (!polled || now - lastPoll >= intervalNanos) {
          polled = true;
          lastPoll = now;
          poll();
        }
      }
      while (!ready.isEmpty() && current == null) {
        open(ready.pollFirst());
      }
      return true;
    }

    private void finishCurrent() throws IOException {
      bytesDone += current.bytesRead();
      filesRead++;
      LineSplitReader<T> r = current;
      current = null;
      finished.add(Path.of(r.remainingSplit().path()).getFileName().toString());
      r.close();
    }

    private void open(Path file) throws IOException {
      long length = readyLength.remove(file);
      open(file, new FileSplit(0, file.toString(), 0, length, length, true));
    }

    private void open(Path file, FileSplit fs) throws IOException {
      try {
        if (!Files.isRegularFile(file)) {
          throw new NoSuchFileException(file.toString());
        }
        current = new LineSplitReader<>(fs, format.open(file), format.hasHeader(), context);
      } catch (NoSuchFileException e) {
        unreadable(file, "it disappeared before it was read; files must stay in the watched directory"
            + " until the job has read them (write under a hidden name, then rename)");
      } catch (IOException e) {
        unreadable(file, "it cannot be read: " + e);
      }
    }

    private void unreadable(Path file, String why) throws IOException {
      finished.add(file.getFileName().toString());
      String position = "file " + file;
      if (policy == BadRecordPolicy.FAIL) {
        throw new IOException("cannot read " + position + " of watched directory " + directory + ": " + why
            + "; or set the source's bad-record policy to SKIP or DEAD_LETTER to pass over such files");
      }
      context.badRecord("", position, "file " + why);
    }

    private void poll() throws IOException {
      List<Path> found = new ArrayList<>();
      Set<String> listed = new HashSet<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
        for (Path p : entries) {
          String name = p.getFileName().toString();
          if (hidden(name) || taken.contains(name) || Math.floorMod(name.hashCode(), split.count()) != split.index()) {
            continue;
          }
          BasicFileAttributes attrs;
          try {
            attrs = Files.readAttributes(p, BasicFileAttributes.class);
          } catch (NoSuchFileException gone) {
            continue; // vanished between listing and looking: never picked up, so not ours to report
          }
          if (!attrs.isRegularFile()) {
            continue;
          }
          listed.add(name);
          Seen now = new Seen(attrs.size(), attrs.lastModifiedTime().toMillis());
          Seen before = growing.put(name, now);
          if (!stabilityCheck || now.equals(before)) {
            found.add(p);
          }
        }
      } catch (NoSuchFileException e) {
        throw new IOException("watched directory " + directory + " no longer exists; it must stay while the"
            + " job runs", e);
      }
      growing.keySet().retainAll(listed);
      found.sort(null);
      for (Path p : found) {
        String name = p.getFileName().toString();
        taken.add(name);
        readyLength.put(p, growing.remove(name).size());
        ready.add(p);
      }
    }

    @Override
    public String position() {
      if (current != null) {
        return current.position();
      }
      return "watched directory " + directory + " (split " + split.index() + " of " + split.count() + ", "
          + filesRead + " files read)";
    }

    @Override
    public WatchSplit remainingSplit() {
      FileSplit rest = current != null ? current.remainingSplit() : resume;
      List<String> names = new ArrayList<>(finished);
      if (rest != null && rest.exhausted()) {
        names.add(Path.of(rest.path()).getFileName().toString());
        rest = null;
      }
      names.sort(null);
      List<String> pending = new ArrayList<>(ready.size());
      List<Long> lengths = new ArrayList<>(ready.size());
      for (Path p : ready) {
        pending.add(p.getFileName().toString());
        lengths.add(readyLength.get(p));
      }
      return new WatchSplit(split.index(), split.count(), split.directory(), names, rest, pending, lengths);
    }

    @Override
    public long bytesRead() {
      return bytesDone + (current != null ? current.bytesRead() : 0);
    }

    @Override
    public void close() throws IOException {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }
}
