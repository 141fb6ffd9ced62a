package dev.sluice.core.checkpoint;

import dev.sluice.core.io.FileOutput;

import dev.sluice.core.checkpoint.CheckpointMetadata.Committable;
import dev.sluice.core.checkpoint.CheckpointMetadata.NativeFile;
import dev.sluice.core.checkpoint.CheckpointMetadata.StateFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk layout and file formats of checkpoints.
 *
 * <p>Design note. {@code <dir>/<job>/chk-<n>/} holds one state file per task,
 * {@code task-<stage>-<index>}, and the metadata {@code _metadata}, written last and atomically
 * (temp file, fsync, rename, fsync of the directory): a directory without metadata is a partial
 * checkpoint and is never used. Both formats open with a magic number and a format version, then
 * the payload length and its CRC32C, then the payload:
 *
 * <pre>
 *   state file v2: "SLCT" | 2 (int) | length (long) | CRC32C (int) | payload (Serde stream of a TaskState)
 *   state file v1: "SLCT" | 1 (int) | length (int)  | CRC32C (int) | payload (Serde bytes of a TaskState)
 *   _metadata:     "SLCM" | version (int) | length (int) | CRC32C (int) | payload (DataOutput fields)
 * </pre>
 *
 * State files are written as a stream (version 2): the payload goes through a 1 MiB buffer into
 * the file while its CRC32C is computed, and the header's length and checksum are filled in last,
 * so no copy of a task's whole state is held in memory. Reading checks the size and the checksum
 * in a first streaming pass and deserializes in a second, so a damaged file is never deserialized.
 * Version 1 files (written before) are still read; their payload used the record layout of
 * {@code KeyedStateSnapshot} that version 2 replaced with a streamed one (see {@code Serde}).
 *
 * The metadata lists every state file with its size and checksum, so a truncated or corrupt state
 * file is found before anything is deserialized.
 *
 * <p>Native checkpoints (RocksDB) add files: private ones in {@code chk-<n>/native-<transform>-<task>/}
 * and immutable shared ones (SST files) in {@code <dir>/<job>/shared/}, each written once and
 * referenced by every later checkpoint that still needs it. The metadata (version 2) lists every
 * native file a checkpoint references with size and CRC32C, so a missing or damaged shared file
 * makes that checkpoint unusable (the previous one is used). Retention deletes a shared file only
 * when no retained checkpoint references it. A version other than the one this code writes is
 * refused ({@link CheckpointException#incompatible}); other damage makes the checkpoint unusable so
 * that the previous one is used. Thread-safety: stateless apart from the path; methods may be
 * called from any thread, but one checkpoint's files are written by one thread.
 */
public final class CheckpointStorage {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStorage.class);
  public static final String METADATA = "_metadata";
  static final int METADATA_MAGIC = 0x534C434D; // "SLCM"
  static final int STATE_MAGIC = 0x534C4354; // "SLCT"
  /** Format version of {@code _metadata} written by this code. */
  public static final int METADATA_VERSION = 1;
  /**
   * Format version of {@code _metadata} of checkpoints with native files: version 1 plus the
   * written bytes and the native files. Written only when there are native files, so heap-only
   * checkpoints stay version 1; both are read.
   */
  public static final int METADATA_VERSION_NATIVE = 2;
  /** The job-level directory of files shared by checkpoints (native SST files). */
  public static final String SHARED = "shared";
  /** Format version of the state files written by this code. */
  public static final int STATE_VERSION = 2;
  /** Header of version 1 state files and of {@code _metadata}: magic, version, int length, CRC32C. */
  private static final int HEADER = 16;
  /** Header of version 2 state files: magic, version, long length, CRC32C. */
  private static final int HEADER_V2 = 20;
  private static final int IO_BUFFER = 1 << 20;
  private static final Pattern CHK = Pattern.compile("chk-(\\d+)");

  private final Path jobDir;
  /** A single checkpoint's directory (a savepoint, or one {@code chk-<n>}), or null for a job directory. */
  private final Path fixed;

  public CheckpointStorage(Path dir, String job) {
    this.jobDir = dir.resolve(safeName(job));
    this.fixed = null;
  }

  private CheckpointStorage(Path checkpointDir) {
    this.jobDir = checkpointDir;
    this.fixed = checkpointDir;
  }

  /**
   * The storage of one self-contained checkpoint directory (a savepoint, or a {@code chk-<n>}):
   * {@link #dirOf} is that directory whatever the id, so the same reading and writing code applies.
   */
  public static CheckpointStorage single(Path checkpointDir) {
    return new CheckpointStorage(checkpointDir);
  }

  /** A job name as a directory name. */
  public static String safeName(String job) {
    return job.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  public Path jobDir() {
    return jobDir;
  }

  public Path dirOf(long id) {
    if (fixed != null) {
      return fixed;
    }
    return jobDir.resolve("chk-" + id);
  }

  /** Ids of all checkpoint directories, complete or not, ascending. */
  public List<Long> ids() throws IOException {
    List<Long> ids = new ArrayList<>();
    if (!Files.isDirectory(jobDir)) {
      return ids;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(jobDir)) {
      for (Path p : s) {
        Matcher m = CHK.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p)) {
          ids.add(Long.parseLong(m.group(1)));
        }
      }
    }
    ids.sort(null);
    return ids;
  }

  /**
   * The directory of shared native files: {@code <job>/shared}; for a single checkpoint directory
   * its own {@code shared/} (a savepoint) or, if it has none, its parent's (a {@code chk-<n>}).
   */
  public Path sharedDir() {
    if (fixed == null) {
      return jobDir.resolve(SHARED);
    }
    Path own = fixed.resolve(SHARED);
    Path parent = fixed.toAbsolutePath().getParent();
    return Files.isDirectory(own) || parent == null ? own : parent.resolve(SHARED);
  }

  /** Whether checkpoint {@code id} has its metadata (it may still be corrupt). */
  public boolean hasMetadata(long id) {
    return Files.isRegularFile(dirOf(id).resolve(METADATA));
  }

  /** The next unused checkpoint id: above every existing directory, so staged names never repeat. */
  public long nextId() throws IOException {
    List<Long> ids = ids();
    return ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1;
  }

  // ---------------------------------------------------------------- state files

  /** Writes a state file's payload into the stream it is given (buffered and checksummed by the caller). */
  public interface PayloadWriter {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Reads a state file's payload from the stream it is given, which ends where the payload ends.
   * Called only after the whole payload's checksum was verified.
   *
   * @param version the file's format version ({@link #STATE_VERSION} or an older one still read)
   */
  public interface PayloadReader<T> {
    T read(InputStream in, int version) throws IOException;
  }

  /** Writes and fsyncs one state file holding {@code payload}; returns its entry for the metadata. */
  public StateFile writeState(long id, int stage, int task, byte[] payload) throws IOException {
    return writeState(id, stage, task, out -> out.write(payload));
  }

  /**
   * Writes and fsyncs one state file, streaming its payload from {@code writer} through a buffer into
   * the file while the CRC32C is computed (no copy of the whole payload in memory); the header's
   * length and checksum are filled in at the end. Returns its entry for the metadata.
   */
  public StateFile writeState(long id, int stage, int task, PayloadWriter writer) throws IOException {
    Path dir = dirOf(id);
    String name = "task-" + stage + "-" + task;
    Path file = dir.resolve(name);
    try {
      Files.createDirectories(dir);
      long[] sizeAndCrc = writeStateFile(file, writer);
      return new StateFile(name, stage, task, sizeAndCrc[0], (int) sizeAndCrc[1]);
    } catch (IOException e) {
      throw new IOException("cannot write checkpoint file " + file + ": " + e, e);
    }
  }

  /** Writes and fsyncs a state file (header, then the payload); returns its size and its payload's CRC32C. */
  private static long[] writeStateFile(Path file, PayloadWriter writer) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.position(HEADER_V2);
      ChecksummedOutput out = new ChecksummedOutput(ch);
      writer.write(out);
      out.flush();
      ByteBuffer header = ByteBuffer.allocate(HEADER_V2);
      header.putInt(STATE_MAGIC).putInt(STATE_VERSION).putLong(out.count).putInt(out.crc()).flip();
      while (header.hasRemaining()) {
        ch.write(header, header.position());
      }
      ch.force(true);
      return new long[] {HEADER_V2 + out.count, out.crc()};
    }
  }

  /** File names of the parts of incremental heap snapshots: {@code heap-<checkpoint id>-<unique>}. */
  private static final java.util.regex.Pattern HEAP_PART = java.util.regex.Pattern.compile("heap-(\\d{1,18})-.*");

  /**
   * Writes one part of an incremental heap snapshot into {@link #sharedDir()} as {@code name} (a
   * state file: header, payload, checksum; by a temp name, fsynced, renamed atomically), on the
   * thread that serializes it; returns its entry for the metadata (checksum over the whole file,
   * as for every shared file). A part of a checkpoint not complete yet is never deleted as
   * unreferenced ({@link #deleteUnreferencedShared}).
   */
  public NativeFile writeShared(String name, PayloadWriter writer) throws IOException {
    Path shared = sharedDir();
    Path target = shared.resolve(name);
    Path tmp = shared.resolve(name + ".inprogress");
    try {
      Files.createDirectories(shared);
      writeStateFile(tmp, writer);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      FileOutput.fsync(shared);
      return new NativeFile(name, true, Files.size(target), crcOf(target), false);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw new IOException("cannot write checkpoint file " + target + ": " + e, e);
    }
  }

  /**
   * The metadata entry of a shared file an earlier checkpoint wrote and this one references again
   * (reused); fails, naming it, when it is missing.
   */
  public NativeFile sharedEntry(String name) throws IOException {
    Path file = sharedDir().resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new IOException("shared checkpoint file " + file + ", written by an earlier checkpoint, is missing");
    }
    return new NativeFile(name, true, Files.size(file), crcOf(file), true);
  }

  /**
   * Reads a state file of {@link #sharedDir()} written by {@link #writeShared}, checking its format
   * and its payload's checksum (as {@link #readState}).
   */
  public <T> T readShared(String name, PayloadReader<T> reader) throws CheckpointException {
    return readStateFile(sharedDir().resolve(name), -1, null, reader);
  }

  /** Reads a state file listed in the metadata, checking size, format and checksum; returns its payload. */
  public byte[] readState(long id, StateFile entry) throws CheckpointException {
    return readState(id, entry, (in, version) -> in.readAllBytes());
  }

  /**
   * Reads a state file listed in the metadata: checks its size against the metadata, its magic
   * number and version, then its payload's CRC32C in a first streaming pass, and only then hands
   * the payload to {@code reader} in a second streaming pass (a damaged file is never
   * deserialized). Version 1 files (whole payload, 32-bit length) and version 2 files are read.
   */
  public <T> T readState(long id, StateFile entry, PayloadReader<T> reader) throws CheckpointException {
    return readStateFile(dirOf(id).resolve(entry.name()), entry.size(), entry.crc32c(), reader);
  }

  /** {@link #readState} of {@code file}; {@code expectedSize} -1 and {@code expectedCrc} null check the file against itself. */
  private <T> T readStateFile(Path file, long expectedSize, Integer expectedCrc, PayloadReader<T> reader)
      throws CheckpointException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (expectedSize >= 0 && size != expectedSize) {
        throw new CheckpointException("state file " + file + " has " + size + " bytes, the metadata says "
            + expectedSize + " (truncated or overwritten)", false);
      }
      ByteBuffer h = ByteBuffer.allocate(HEADER_V2);
      while (h.hasRemaining() && ch.read(h) >= 0) {
        // fill
      }
      h.flip();
      if (h.remaining() < 8 || h.getInt() != STATE_MAGIC) {
        throw new CheckpointException("state file " + file + " is not a Sluice checkpoint file", false);
      }
      int version = h.getInt();
      int headerSize;
      long length;
      if (version != 1 && version != STATE_VERSION) {
        throw new CheckpointException("state file " + file + " has format version " + version + "; this Sluice reads"
            + " versions 1 and " + STATE_VERSION + ". " + INCOMPATIBLE_HINT, true);
      }
      if (h.remaining() < (version == 1 ? HEADER : HEADER_V2) - 8) {
        throw new CheckpointException("state file " + file + " is truncated (" + size + " bytes, shorter than its"
            + " header)", false);
      }
      if (version == 1) {
        headerSize = HEADER;
        length = h.getInt() & 0xFFFFFFFFL;
      } else {
        headerSize = HEADER_V2;
        length = h.getLong();
      }
      int crc = h.getInt();
      if (length != size - headerSize) {
        throw new CheckpointException("state file " + file + " is truncated (header says " + length
            + " payload bytes, the file holds " + (size - headerSize) + ")", false);
      }
      if ((expectedCrc != null && crc != expectedCrc) || crc(ch, headerSize, length) != crc) {
        throw new CheckpointException("state file " + file + " is corrupt (checksum mismatch)", false);
      }
      ch.position(headerSize);
      BoundedChannelInput in = new BoundedChannelInput(ch, length);
      T value = reader.read(in, version);
      if (in.remaining != 0) {
        throw new CheckpointException("state file " + file + " is corrupt: " + in.remaining + " bytes after the"
            + " state were not read", false);
      }
      return value;
    } catch (CheckpointException e) {
      throw e;
    } catch (NoSuchFileException e) {
      throw new CheckpointException("state file " + file + " is missing", false);
    } catch (IOException e) {
      throw new CheckpointException("state file " + file + " cannot be read: " + e, e);
    }
  }

  /** CRC32C of {@code length} bytes of {@code ch} from {@code position}, read in 1 MiB direct buffers. */
  private static int crc(FileChannel ch, long position, long length) throws IOException {
    CRC32C c = new CRC32C();
    ByteBuffer b = ByteBuffer.allocateDirect(IO_BUFFER);
    long pos = position;
    long end = position + length;
    while (pos < end) {
      b.clear();
      if (end - pos < b.capacity()) {
        b.limit((int) (end - pos));
      }
      int n = ch.read(b, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + pos);
      }
      b.flip();
      c.update(b);
      pos += n;
    }
    return (int) c.getValue();
  }

  /** Buffers writes into a file channel and computes their CRC32C on the way. Not thread-safe. */
  private static final class ChecksummedOutput extends OutputStream {
    private final FileChannel ch;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(IO_BUFFER);
    long count;

    ChecksummedOutput(FileChannel ch) {
      this.ch = ch;
    }

    int crc() {
      return (int) crc.getValue();
    }

    @Override
    public void write(int b) throws IOException {
      if (!buffer.hasRemaining()) {
        drain();
      }
      buffer.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (!buffer.hasRemaining()) {
          drain();
        }
        int n = Math.min(len, buffer.remaining());
        buffer.put(b, off, n);
        off += n;
        len -= n;
      }
    }

    @Override
    public void flush() throws IOException {
      drain();
    }

    private void drain() throws IOException {
      buffer.flip();
      ByteBuffer forCrc = buffer.duplicate();
      crc.update(forCrc);
      count += buffer.remaining();
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      buffer.clear();
    }
  }

  /** Reads at most {@code remaining} bytes of a file channel from its position. Not thread-safe. */
  private static final class BoundedChannelInput extends InputStream {
    private final FileChannel ch;
    long remaining;

    BoundedChannelInput(FileChannel ch, long remaining) {
      this.ch = ch;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }

  // ---------------------------------------------------------------- native files

  /** CRC32C of shared files this storage wrote or checked, by name: valid while size and modification time match. */
  private final java.util.concurrent.ConcurrentHashMap<String, Checked> checked = new java.util.concurrent.ConcurrentHashMap<>();

  private record Checked(long size, long modified, int crc) {}

  private Path nativePath(long id, NativeFile f) {
    return f.shared() ? sharedDir().resolve(f.name()) : dirOf(id).resolve(f.name());
  }

  /**
   * Copies the staged files of a native checkpoint into checkpoint {@code id} (fsynced, each by a
   * temp name and an atomic rename): private ones into its directory, shared ones into
   * {@link #sharedDir()} unless a file of that name is there already (then it is reused, not
   * copied). Returns the metadata entries. On the checkpoint I/O thread.
   */
  public List<NativeFile> writeNative(long id, List<dev.sluice.core.stream.state.NativeCheckpointFiles.StagedFile> files)
      throws IOException {
    List<NativeFile> out = new ArrayList<>(files.size());
    java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
    Path shared = sharedDir();
    for (dev.sluice.core.stream.state.NativeCheckpointFiles.StagedFile f : files) {
      Path target = f.shared() ? shared.resolve(f.name()) : dirOf(id).resolve(f.name());
      try {
        if (f.shared() && Files.isRegularFile(target)) {
          long size = Files.size(target);
          out.add(new NativeFile(f.name(), true, size, crcOf(target), true));
          continue;
        }
        Files.createDirectories(target.getParent());
        dirs.add(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".inprogress");
        CRC32C crc = new CRC32C();
        long size = 0;
        try (FileChannel in = FileChannel.open(f.source(), StandardOpenOption.READ);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                 StandardOpenOption.TRUNCATE_EXISTING)) {
          ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
          while (in.read(buf) >= 0) {
            buf.flip();
            crc.update(buf.duplicate());
            size += buf.remaining();
            writeFully(ch, buf);
            buf.clear();
          }
          ch.force(true);
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        int c = (int) crc.getValue();
        if (f.shared()) {
          checked.put(f.name(), new Checked(size, Files.getLastModifiedTime(target).toMillis(), c));
        }
        out.add(new NativeFile(f.name(), f.shared(), size, c, false));
      } catch (IOException e) {
        throw new IOException("cannot write checkpoint file " + target + " (from " + f.source() + "): " + e, e);
      }
    }
    for (Path d : dirs) {
      FileOutput.fsync(d);
    }
    return out;
  }

  /** CRC32C of a shared file: remembered while its size and modification time are unchanged, else read. */
  private int crcOf(Path file) throws IOException {
    String name = file.getFileName().toString();
    long size = Files.size(file);
    long modified = Files.getLastModifiedTime(file).toMillis();
    Checked c = checked.get(name);
    if (c != null && c.size() == size && c.modified() == modified) {
      return c.crc();
    }
    CRC32C crc = new CRC32C();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (in.read(buf) >= 0) {
        buf.flip();
        crc.update(buf);
        buf.clear();
      }
    }
    int v = (int) crc.getValue();
    checked.put(name, new Checked(size, modified, v));
    return v;
  }

  /**
   * Checks that every native file of checkpoint {@code m} is there with its size and checksum; a
   * missing or damaged one makes the checkpoint unusable (the message names the file).
   */
  public void verifyNative(CheckpointMetadata m) throws CheckpointException {
    for (NativeFile f : m.nativeFiles()) {
      Path file = nativePath(m.id(), f);
      String what = (f.shared() ? "shared state file " : "state file ") + file;
      long size;
      try {
        size = Files.size(file);
      } catch (NoSuchFileException e) {
        throw new CheckpointException(what + " is missing (the checkpoint references it)", false);
      } catch (IOException e) {
        throw new CheckpointException(what + " cannot be read: " + e, e);
      }
      if (size != f.size()) {
        throw new CheckpointException(what + " has " + size + " bytes, the metadata says " + f.size()
            + " (truncated or overwritten)", false);
      }
      int crc;
      try {
        if (f.shared()) {
          crc = crcOf(file);
        } else {
          crc = crc(Files.readAllBytes(file));
        }
      } catch (IOException e) {
        throw new CheckpointException(what + " cannot be read: " + e, e);
      }
      if (crc != f.crc32c()) {
        throw new CheckpointException(what + " is corrupt (checksum mismatch)", false);
      }
    }
  }

  private static final String INCOMPATIBLE_HINT = "Restore it with the Sluice version that wrote it, or move the"
      + " checkpoint directory away to start the job from scratch";

  // ---------------------------------------------------------------- metadata

  /**
   * Writes {@code _metadata} last: temp file, rename, fsync of the file, fsync of the directory. When
   * this returns the metadata is durable; a crash before leaves no metadata or a torn one (refused by
   * its checksum), never a valid metadata the sinks have not seen.
   */
  public void writeMetadata(CheckpointMetadata m) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeUTF(m.job());
    out.writeLong(m.id());
    out.writeLong(m.timestampMillis());
    out.writeLong(m.durationMillis());
    out.writeLong(m.alignmentNanos());
    out.writeLong(m.sizeBytes());
    out.writeBoolean(m.last());
    writeLongString(out, m.planSignature());
    out.writeInt(m.classNames().size());
    for (String c : m.classNames()) {
      out.writeUTF(c);
    }
    out.writeInt(m.files().size());
    for (StateFile f : m.files()) {
      out.writeUTF(f.name());
      out.writeInt(f.stage());
      out.writeInt(f.task());
      out.writeLong(f.size());
      out.writeInt(f.crc32c());
    }
    out.writeInt(m.committables().size());
    for (Committable c : m.committables()) {
      out.writeInt(c.transformId());
      out.writeInt(c.partition());
      out.writeLong(c.preparedAt());
      out.writeInt(c.bytes().length);
      out.write(c.bytes());
    }
    int version = m.nativeFiles().isEmpty() ? METADATA_VERSION : METADATA_VERSION_NATIVE;
    if (version == METADATA_VERSION_NATIVE) {
      out.writeLong(m.writtenBytes());
      out.writeInt(m.nativeFiles().size());
      for (NativeFile f : m.nativeFiles()) {
        out.writeUTF(f.name());
        out.writeBoolean(f.shared());
        out.writeLong(f.size());
        out.writeInt(f.crc32c());
        out.writeBoolean(f.reused());
      }
    }
    out.flush();
    byte[] payload = bytes.toByteArray();
    Path dir = dirOf(m.id());
    Path tmp = dir.resolve(METADATA + ".inprogress");
    Path target = dir.resolve(METADATA);
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        header.putInt(METADATA_MAGIC).putInt(version).putInt(payload.length).putInt(crc(payload)).flip();
        writeFully(ch, header);
        writeFully(ch, ByteBuffer.wrap(payload));
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      // fsync after the rename: one journal commit covers the data and the new name (the directory's
      // fsync then finds nothing left to do), instead of one before and one after the rename. A crash
      // before both returned may leave a torn _metadata; its length and CRC32C make it a corrupt
      // checkpoint that is skipped, and nothing was committed on its strength (sinks commit after this).
      forceFile(target);
      FileOutput.fsync(dir);
    } catch (IOException e) {
      throw new IOException("cannot write checkpoint metadata " + target + ": " + e, e);
    }
    sharedRefs.put(m.id(), sharedNames(m));
  }

  /**
   * The shared files each complete checkpoint references, by id: those this storage wrote the
   * metadata of, and those it read once, so retention does not read every retained checkpoint's
   * metadata (with a JDBC sink's rows, half a megabyte each) again at every pass.
   */
  private final java.util.concurrent.ConcurrentHashMap<Long, java.util.Set<String>> sharedRefs =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static java.util.Set<String> sharedNames(CheckpointMetadata m) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (NativeFile f : m.nativeFiles()) {
      if (f.shared()) {
        names.add(f.name());
      }
    }
    return names;
  }

  /** Reads and checks {@code chk-<id>/_metadata}. */
  public CheckpointMetadata readMetadata(long id) throws CheckpointException {
    Path file = dirOf(id).resolve(METADATA);
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CheckpointException("checkpoint " + dirOf(id) + " is incomplete (it has no " + METADATA + ")", false);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint metadata " + file + " cannot be read: " + e, e);
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    if (all.length < HEADER || b.getInt() != METADATA_MAGIC) {
      throw new CheckpointException("checkpoint metadata " + file + " is truncated or not a Sluice checkpoint", false);
    }
    int version = b.getInt();
    if (version != METADATA_VERSION && version != METADATA_VERSION_NATIVE) {
      throw new CheckpointException("checkpoint " + dirOf(id) + " has metadata format version " + version
          + "; this Sluice reads version " + METADATA_VERSION + " (" + METADATA_VERSION_NATIVE
          + " with native RocksDB files). "
          + INCOMPATIBLE_HINT, true);
    }
    int length = b.getInt();
    int crc = b.getInt();
    if (length != all.length - HEADER) {
      throw new CheckpointException("checkpoint metadata " + file + " is truncated", false);
    }
    byte[] payload = new byte[length];
    b.get(payload);
    if (crc(payload) != crc) {
      throw new CheckpointException("checkpoint metadata " + file + " is corrupt (checksum mismatch)", false);
    }
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
      String job = in.readUTF();
      long cid = in.readLong();
      long ts = in.readLong();
      long duration = in.readLong();
      long align = in.readLong();
      long size = in.readLong();
      boolean last = in.readBoolean();
      String signature = readLongString(in);
      int n = in.readInt();
      List<String> classes = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        classes.add(in.readUTF());
      }
      n = in.readInt();
      List<StateFile> files = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        files.add(new StateFile(in.readUTF(), in.readInt(), in.readInt(), in.readLong(), in.readInt()));
      }
      n = in.readInt();
      List<Committable> committables = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int t = in.readInt();
        int p = in.readInt();
        long at = in.readLong();
        byte[] c = new byte[in.readInt()];
        in.readFully(c);
        committables.add(new Committable(t, p, at, c));
      }
      long written = size;
      List<NativeFile> natives = new ArrayList<>();
      if (version == METADATA_VERSION_NATIVE) {
        written = in.readLong();
        n = in.readInt();
        for (int i = 0; i < n; i++) {
          natives.add(new NativeFile(in.readUTF(), in.readBoolean(), in.readLong(), in.readInt(), in.readBoolean()));
        }
      }
      return new CheckpointMetadata(version, job, cid, ts, duration, align, size, last, signature, classes, files,
          committables, natives, written);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("checkpoint metadata " + file + " is corrupt: " + e, e);
    }
  }

  private static void writeLongString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readLongString(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Copies complete checkpoint {@code m} of this storage into {@code target} (a savepoint): every
   * state file (fsynced), then the metadata last and atomically. {@code target} must not hold a
   * checkpoint already. Returns {@code target}.
   */
  public Path copyTo(CheckpointMetadata m, Path target) throws IOException {
    if (Files.exists(target.resolve(METADATA))) {
      throw new IOException("savepoint directory " + target + " already holds a savepoint (" + METADATA
          + "); choose a new directory");
    }
    Files.createDirectories(target);
    for (StateFile f : m.files()) {
      Path to = target.resolve(f.name());
      Files.copy(dirOf(m.id()).resolve(f.name()), to, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
    // Native files: private ones under their relative names, shared ones into the savepoint's own
    // shared/ (a savepoint is self-contained).
    for (NativeFile f : m.nativeFiles()) {
      Path to = f.shared() ? target.resolve(SHARED).resolve(f.name()) : target.resolve(f.name());
      Files.createDirectories(to.getParent());
      Files.copy(nativePath(m.id(), f), to, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
    single(target).writeMetadata(m);
    return target;
  }

  // ---------------------------------------------------------------- cleanup

  /** Deletes checkpoint {@code id}'s directory (a failed or superseded checkpoint); logs problems. */
  public void discard(long id) {
    Path dir = dirOf(id);
    try {
      FileOutput.deleteRecursively(dir);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete checkpoint directory {}: {}", dir, e.toString());
    }
  }

  /**
   * Keeps the newest {@code retained} complete checkpoints; deletes older complete ones and every
   * incomplete one older than the newest complete checkpoint.
   */
  public void retain(int retained) throws IOException {
    List<Long> ids = ids();
    int kept = 0;
    long newestComplete = -1;
    for (int i = ids.size() - 1; i >= 0; i--) {
      long id = ids.get(i);
      if (hasMetadata(id)) {
        if (newestComplete < 0) {
          newestComplete = id;
        }
        if (++kept > retained) {
          discard(id);
        }
      } else if (newestComplete >= 0) {
        discard(id);
      }
    }
    deleteUnreferencedShared();
  }

  /**
   * Deletes the files of {@link #sharedDir()} that no complete checkpoint left references (files of
   * failed checkpoints, and those every retained checkpoint has compacted away). Does nothing when a
   * complete checkpoint's metadata cannot be read (it might reference any of them). Call only when no
   * checkpoint is being written (the checkpoint I/O thread, after a checkpoint completed).
   */
  public void deleteUnreferencedShared() throws IOException {
    Path shared = sharedDir();
    if (fixed != null || !Files.isDirectory(shared)) {
      return;
    }
    java.util.Set<String> referenced = new java.util.HashSet<>();
    long newestComplete = -1;
    List<Long> present = ids();
    sharedRefs.keySet().retainAll(present);
    for (long id : present) {
      if (!hasMetadata(id)) {
        continue; // incomplete: deleted above or by the next run, never restored from
      }
      newestComplete = Math.max(newestComplete, id);
      java.util.Set<String> names = sharedRefs.get(id);
      if (names == null) {
        try {
          names = sharedNames(readMetadata(id));
        } catch (CheckpointException e) {
          LOG.debug("not deleting shared checkpoint files: checkpoint {} is unreadable ({})", dirOf(id), e.getMessage());
          return;
        }
        sharedRefs.put(id, names);
      }
      referenced.addAll(names);
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(shared)) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        java.util.regex.Matcher part = HEAP_PART.matcher(name);
        if (part.matches() && Long.parseLong(part.group(1)) > newestComplete) {
          continue; // a part of a checkpoint being written now
        }
        if (!referenced.contains(name)) {
          try {
            Files.deleteIfExists(p);
            checked.remove(name);
          } catch (IOException e) {
            LOG.warn("could not delete unreferenced shared checkpoint file {}: {}", p, e.toString());
          }
        }
      }
    }
  }

  static int crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b, 0, b.length);
    return (int) c.getValue();
  }

  private static void forceFile(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }



}
