package dev.sluice.core.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The job control files of a job with checkpoints, {@code <dir>/<job>/control/}: how another process
 * (the {@code sluice savepoint} command) finds out whether the job is running and asks it for a
 * savepoint.
 *
 * <p>Design note. A running job holds an exclusive OS lock on {@code control/lock} (and writes its
 * process id to {@code control/pid}, for messages); the kernel releases the lock when the process ends,
 * also on SIGKILL, so "a process holds the lock" is exactly "the job is running". A client writes a
 * request {@code control/savepoint-request} atomically (temp file, rename); the job polls for it,
 * takes it (deletes it), takes the savepoint and answers with {@code control/savepoint-response-<id>}
 * (also atomic): {@code done} with the directory, or {@code failed} with the error. Small versioned
 * text files:
 *
 * <pre>
 * sluice-savepoint-request 1        sluice-savepoint-response 1
 * id 5f0c...                        id 5f0c...
 * target /backups/sp-1              status done | failed
 * stop true | false                 path /backups/sp-1 | error &lt;one line&gt;
 * </pre>
 *
 * <p>Thread-safety: none; the job polls from one thread, a client uses its own instance.
 */
public final class JobControl implements AutoCloseable {
  public static final String DIR = "control";
  public static final int VERSION = 1;
  private static final String REQUEST = "savepoint-request";
  private static final String REQUEST_MAGIC = "sluice-savepoint-request";
  private static final String RESPONSE_MAGIC = "sluice-savepoint-response";

  private final Path dir;
  private FileChannel lockChannel;
  private FileLock lock;

  /** A savepoint request. */
  public record Request(String id, Path target, boolean stop) {}

  /** A job's answer: {@code path} when done, else {@code error}. */
  public record Response(String id, boolean done, Path path, String error) {}

  public JobControl(Path jobDir) {
    this.dir = jobDir.resolve(DIR);
  }

  public Path dir() {
    return dir;
  }

  public Path lockFile() {
    return dir.resolve("lock");
  }

  // ---------------------------------------------------------------- the job's side

  /**
   * Takes the job's lock, waiting up to {@code waitMillis} (a client probing it holds it for a moment);
   * throws {@link IllegalStateException} naming the holder if another process runs the job. Returns
   * false, holding nothing, where the file system cannot lock files (the job then runs without job
   * control).
   */
  public boolean hold(String job, long waitMillis) throws IOException {
    Files.createDirectories(dir);
    FileChannel ch = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    long deadline = System.nanoTime() + waitMillis * 1_000_000L;
    FileLock l = null;
    while (true) {
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // held in this JVM by another run of the same job
      } catch (IOException e) {
        ch.close(); // no file locks here (e.g. some network file systems)
        return false;
      }
      if (l != null || System.nanoTime() >= deadline) {
        break;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (l == null) {
      ch.close();
      throw new IllegalStateException("job '" + job + "' is running already with checkpoint directory "
          + dir.getParent() + " (" + holder() + " holds " + lockFile() + "); two runs must not share a checkpoint"
          + " directory: stop the other one, or use another directory or job name");
    }
    lockChannel = ch;
    lock = l;
    Files.writeString(dir.resolve("pid"), ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
    return true;
  }

  /** Releases the lock (idempotent). */
  @Override
  public void close() {
    try {
      if (lock != null) {
        lock.release();
      }
      if (lockChannel != null) {
        lockChannel.close();
      }
    } catch (IOException e) {
      // the lock goes with the channel or the process
    }
    lock = null;
    lockChannel = null;
  }

  /** The request waiting for the job, taken (deleted) so it is served once; null if none. */
  public Request take() throws IOException {
    Path f = dir.resolve(REQUEST);
    Map<String, String> fields;
    try {
      fields = read(f, REQUEST_MAGIC);
    } catch (NoSuchFileException e) {
      return null;
    } finally {
      Files.deleteIfExists(f);
    }
    String target = fields.get("target");
    String id = fields.get("id");
    if (target == null || id == null) {
      throw new IOException("savepoint request " + f + " has no id or target; ignored");
    }
    return new Request(id, Path.of(target), Boolean.parseBoolean(fields.get("stop")));
  }

  /** Answers request {@code id}. */
  public void respond(Response r) throws IOException {
    StringBuilder b = new StringBuilder(RESPONSE_MAGIC + " " + VERSION + "\nid " + r.id() + "\n");
    if (r.done()) {
      b.append("status done\npath ").append(r.path()).append('\n');
    } else {
      b.append("status failed\nerror ").append(r.error().replace('\n', ' ')).append('\n');
    }
    writeAtomically(dir.resolve("savepoint-response-" + r.id()), b.toString());
  }

  // ---------------------------------------------------------------- a client's side

  /** Whether a process holds the job's lock (the job is running). Holds a shared lock for a moment if not. */
  public boolean running() throws IOException {
    if (!Files.exists(lockFile())) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lockFile(), StandardOpenOption.READ)) {
      FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // held in this JVM
    }
  }

  /** "process N" from the pid file, or "another process". */
  public String holder() {
    try {
      return "process " + Files.readString(dir.resolve("pid"), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "another process";
    }
  }

  /** Writes a request atomically; refuses if one is already waiting. */
  public void request(Request r) throws IOException {
    if (Files.exists(dir.resolve(REQUEST))) {
      throw new IllegalStateException("a savepoint request is already waiting in " + dir.resolve(REQUEST)
          + "; wait for it to be served, or delete the file if its client has gone");
    }
    writeAtomically(dir.resolve(REQUEST), REQUEST_MAGIC + " " + VERSION + "\nid " + r.id() + "\ntarget "
        + r.target() + "\nstop " + r.stop() + "\n");
  }

  /** Withdraws a request not taken yet; true if it was still waiting. */
  public boolean withdraw() throws IOException {
    return Files.deleteIfExists(dir.resolve(REQUEST));
  }

  /** The answer to request {@code id} (deleted once read), or null if none yet. */
  public Response response(String id) throws IOException {
    Path f = dir.resolve("savepoint-response-" + id);
    Map<String, String> fields;
    try {
      fields = read(f, RESPONSE_MAGIC);
    } catch (NoSuchFileException e) {
      return null;
    }
    Files.deleteIfExists(f);
    boolean done = "done".equals(fields.get("status"));
    return new Response(id, done, done ? Path.of(fields.get("path")) : null,
        done ? null : fields.getOrDefault("error", "(no error given)"));
  }

  // ---------------------------------------------------------------- files

  private static Map<String, String> read(Path f, String magic) throws IOException {
    List<String> lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
    if (lines.isEmpty() || !lines.get(0).startsWith(magic + " ")) {
      throw new IOException(f + " is not a " + magic + " file");
    }
    String version = lines.get(0).substring(magic.length() + 1).trim();
    if (!version.equals(Integer.toString(VERSION))) {
      throw new IOException(f + " has format version " + version + "; this Sluice reads version " + VERSION
          + ": use the same Sluice version for the job and the command");
    }
    Map<String, String> fields = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        fields.put(line.substring(0, sp), line.substring(sp + 1));
      }
    }
    return fields;
  }

  private static void writeAtomically(Path target, String text) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
