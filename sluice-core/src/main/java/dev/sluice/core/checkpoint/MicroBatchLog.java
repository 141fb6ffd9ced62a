package dev.sluice.core.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The offset log and commit log of a micro-batch job, next to its checkpoints:
 * {@code <dir>/<job>/offsets/<batchId>} holds a batch's plan (written before the batch runs) and
 * {@code <dir>/<job>/commits/<batchId>} records that the batch committed (written after its
 * checkpoint completed and the sinks committed). Both are small versioned text files, written
 * atomically by a temp file and a rename; an offset entry is then fsynced with its directory (a batch
 * runs only once its plan is durable), a commit entry is not (it repeats what the durable checkpoint
 * metadata says, and recovery writes a lost one again):
 *
 * <pre>
 * sluice-offsets 1
 * batch 7
 * split 0 1 4096 8192      (stage, task, start offset, end offset)
 * </pre>
 *
 * <p>A split line may end with a sixth token, the reader's detail of the range ({@code
 * SplitReader.availableDetail}); an entry with one has version {@value #VERSION_DETAIL}.
 *
 * <p>Files older than the last {@link #RETAINED} batches are deleted. Thread-safety: none; the
 * coordinator reads entries when an attempt starts, and the job's checkpoint I/O thread writes them.
 */
public final class MicroBatchLog {
  public static final int VERSION = 1;
  /** Offset entries with a detail token on a split line ({@link Range#detail}); commit entries stay version 1. */
  public static final int VERSION_DETAIL = 2;
  /** Offset and commit entries kept. */
  public static final int RETAINED = 100;
  private static final String OFFSETS_MAGIC = "sluice-offsets";
  private static final String COMMITS_MAGIC = "sluice-commit";

  private final Path offsets;
  private final Path commits;

  /**
   * One split's range in a batch: offsets {@code [start, end)} of task {@code task} of stage {@code
   * stage}, plus the reader's {@code detail} of the range (null if none; see {@code
   * SplitReader.availableDetail}).
   */
  public record Range(int stage, int task, long start, long end, String detail) {
    public Range {
      if (detail != null && (detail.isEmpty() || detail.chars().anyMatch(Character::isWhitespace))) {
        throw new IllegalArgumentException("a range's detail must be one non-empty token without whitespace, was '"
            + detail + "' (split " + task + " of stage " + stage + ")");
      }
    }

    public Range(int stage, int task, long start, long end) {
      this(stage, task, start, end, null);
    }
  }

  /** A batch plan. */
  public record Plan(long batchId, List<Range> ranges) {
    public Range range(int stage, int task) {
      for (Range r : ranges) {
        if (r.stage() == stage && r.task() == task) {
          return r;
        }
      }
      return null;
    }
  }

  /**
   * An entry that is empty, lacks its header or does not parse: written by a crashed process before
   * its fsync returned (or damaged). For the offset entry of the batch after the latest complete
   * checkpoint that means the batch never ran (it starts only once its entry is durable).
   */
  public static final class TornEntryException extends IOException {
    TornEntryException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public MicroBatchLog(Path jobDir) {
    this.offsets = jobDir.resolve("offsets");
    this.commits = jobDir.resolve("commits");
  }

  public Path offsetsDir() {
    return offsets;
  }

  public Path commitsDir() {
    return commits;
  }

  /** Writes the plan of batch {@code p.batchId()} atomically. */
  public void writeOffsets(Plan p) throws IOException {
    StringBuilder b = new StringBuilder();
    boolean details = p.ranges().stream().anyMatch(r -> r.detail() != null);
    b.append(OFFSETS_MAGIC).append(' ').append(details ? VERSION_DETAIL : VERSION).append('\n');
    b.append("batch ").append(p.batchId()).append('\n');
    for (Range r : p.ranges()) {
      b.append("split ").append(r.stage()).append(' ').append(r.task()).append(' ').append(r.start()).append(' ')
          .append(r.end());
      if (r.detail() != null) {
        b.append(' ').append(r.detail());
      }
      b.append('\n');
    }
    write(offsets, p.batchId(), b.toString(), true);
    prune(offsets, p.batchId());
  }

  /** The plan of batch {@code id}, or null if none was written. */
  public Plan readOffsets(long id) throws IOException {
    Path f = offsets.resolve(Long.toString(id));
    if (!Files.exists(f)) {
      return null;
    }
    // lenient decoding: a torn entry may hold any bytes
    List<String> lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
    int version = checkHeader(f, lines, OFFSETS_MAGIC, VERSION_DETAIL);
    List<Range> ranges = new ArrayList<>();
    long batch = -1;
    try {
      for (String line : lines.subList(1, lines.size())) {
        String[] w = line.trim().split(" ");
        if (w[0].equals("batch")) {
          batch = Long.parseLong(w[1]);
        } else if (w[0].equals("split")) {
          if (w.length != 5 && (w.length != 6 || version < VERSION_DETAIL)) {
            throw new IllegalArgumentException("bad split line '" + line + "'");
          }
          ranges.add(new Range(Integer.parseInt(w[1]), Integer.parseInt(w[2]), Long.parseLong(w[3]),
              Long.parseLong(w[4]), w.length == 6 ? w[5] : null));
        } else if (!line.isBlank()) {
          throw new IllegalArgumentException("unknown line '" + line + "'");
        }
      }
    } catch (RuntimeException e) {
      throw new TornEntryException("offset log entry " + f + " is torn or corrupt: " + e, e);
    }
    if (batch != id) {
      throw new TornEntryException("offset log entry " + f + " is torn or corrupt: it names batch " + batch, null);
    }
    return new Plan(id, ranges);
  }

  /** Records that batch {@code id} committed. */
  public void writeCommit(long id) throws IOException {
    // Not fsynced: an entry lost in a crash is written again at recovery (for the latest complete
    // checkpoint, whose metadata is durable before its sinks commit), so only the rename's atomicity matters.
    write(commits, id, COMMITS_MAGIC + " " + VERSION + "\nbatch " + id + "\n", false);
    prune(commits, id);
  }

  public boolean committed(long id) {
    return Files.exists(commits.resolve(Long.toString(id)));
  }

  /** The batch ids with an offset entry, ascending. */
  public List<Long> plannedIds() throws IOException {
    return ids(offsets);
  }

  /** The batch ids with a commit entry, ascending. */
  public List<Long> committedIds() throws IOException {
    return ids(commits);
  }

  private static List<Long> ids(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Long::parseLong).sorted()
          .toList();
    }
  }

  private static int checkHeader(Path f, List<String> lines, String magic, int newest) throws IOException {
    if (lines.isEmpty() || !lines.get(0).startsWith(magic + " ")) {
      throw new TornEntryException("offset log entry " + f + " is torn or corrupt: no '" + magic + "' header", null);
    }
    int version;
    try {
      version = Integer.parseInt(lines.get(0).substring(magic.length() + 1).trim());
    } catch (NumberFormatException e) {
      throw new TornEntryException("offset log entry " + f + " is torn or corrupt: bad version", e);
    }
    if (version < VERSION || version > newest) {
      throw new IOException(f + " has format version " + version + "; this Sluice reads versions " + VERSION + " to "
          + newest + ". Run the job with the Sluice version that wrote it, or use another checkpoint directory");
    }
    return version;
  }

  /**
   * Temp file, rename, fsync of the file, fsync of the directory: one journal commit covers the data
   * and the new name (the directory's fsync then finds nothing left to do), where fsync before the
   * rename costs two. A crash before this returns may leave the entry missing or torn (empty or
   * partly written), never a valid entry that was not durable: see {@link TornEntryException}.
   * Without {@code durable}, only the temp file and the rename (commit entries).
   */
  private static void write(Path dir, long id, String text, boolean durable) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(Long.toString(id));
    Path tmp = dir.resolve(id + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    if (!durable) {
      return;
    }
    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // not every platform can open a directory for fsync
    }
  }

  private static void prune(Path dir, long latest) throws IOException {
    for (long id : ids(dir)) {
      if (id <= latest - RETAINED) {
        Files.deleteIfExists(dir.resolve(Long.toString(id)));
      }
    }
  }
}
