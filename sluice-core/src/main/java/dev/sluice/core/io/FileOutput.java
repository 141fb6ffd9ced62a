package dev.sluice.core.io;

import dev.sluice.io.OutputExistsException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output-directory protocol of the file sinks.
 *
 * <p>Design note. Writers stage under {@code <dir>/_temporary/}; nothing in {@code <dir>} itself
 * changes until {@link #commit}, so a failed job leaves an earlier output intact. Commit removes
 * {@code _SUCCESS}, deletes the previous output (only files listed in the previous {@code _SLUICE}
 * manifest, never anything else), renames the staged parts into place (atomic rename), writes the
 * new manifest (temp + fsync + rename), then {@code _SUCCESS} last, and deletes {@code _temporary}.
 * Every step tolerates having been done before, so a repeated commit is harmless: a part whose staged
 * file is gone but whose final file exists was already moved.
 */
public final class FileOutput {
  static final Logger LOG = LoggerFactory.getLogger(FileOutput.class);
  public static final String SUCCESS = "_SUCCESS";
  public static final String MANIFEST = "_SLUICE";
  public static final String TEMPORARY = "_temporary";
  private static final String MANIFEST_HEADER = "# files written by Sluice; used by --overwrite";
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private FileOutput() {}

  static Path temporary(Path dir) {
    return dir.resolve(TEMPORARY);
  }

  static String partName(int partition) {
    return String.format("part-%05d", partition);
  }

  /**
   * Validates the destination before the job runs and creates it if missing.
   *
   * @return whether this call created the directory
   */
  public static boolean prepare(Path dir, boolean overwrite) throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new OutputExistsException("output path " + dir + " exists and is not a directory;"
          + " choose another output directory");
    }
    if (!Files.exists(dir)) {
      Files.createDirectories(dir);
      return true;
    }
    List<String> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        entries.add(p.getFileName().toString());
      }
    }
    entries.remove(TEMPORARY); // staging only: leftovers of a run that never committed
    if (entries.isEmpty()) {
      deleteRecursively(temporary(dir));
      return false;
    }
    if (!overwrite) {
      throw new OutputExistsException("output directory " + dir + " already exists and is not"
          + " empty; choose another or pass --overwrite");
    }
    Set<String> ours = readManifest(dir);
    entries.sort(null);
    for (String name : entries) {
      if (!name.equals(SUCCESS) && !name.equals(MANIFEST) && !name.equals(TEMPORARY)
          && !ours.contains(name)) {
        throw new OutputExistsException("output directory " + dir + " contains " + name
            + ", which Sluice did not write (it is not listed in " + MANIFEST + "); refusing to"
            + " overwrite it. Move it away or choose another output directory");
      }
    }
    deleteRecursively(temporary(dir)); // leftovers of a crashed run; staging only, not output
    return false;
  }

  /**
   * Publishes the parts of one checkpoint ({@link CheckpointPart}s): moves each staged file to its
   * final name unless that exists already (a repeated commit; a committed file is never overwritten),
   * adds the names to the manifest (temp + fsync + rename), and writes {@code _SUCCESS} when the
   * committables hold every writer's last one (the job ended). Earlier output is kept: the parts of earlier
   * checkpoints are part of the same output. With {@code replacePrevious} (the first commit of a
   * fresh run with overwrite) the files of the previous output are deleted first. Idempotent.
   */
  public static void commitCheckpoint(Path dir, List<Object> committables, boolean replacePrevious) throws IOException {
    Files.createDirectories(dir);
    Set<String> names = readManifest(dir);
    if (replacePrevious) {
      for (String old : names) {
        Files.deleteIfExists(dir.resolve(old));
      }
      names.clear();
    }
    Files.deleteIfExists(dir.resolve(SUCCESS));
    Set<Integer> lastOf = new java.util.HashSet<>();
    int writers = -1;
    List<String> added = new ArrayList<>();
    for (Object c : committables) {
      CheckpointPart part = (CheckpointPart) c;
      if (part.last()) {
        lastOf.add(part.partition());
        writers = part.parallelism();
      }
      if (part.stagedPath() == null) {
        continue;
      }
      Path staged = Path.of(part.stagedPath());
      Path target = dir.resolve(part.fileName());
      if (Files.exists(target)) {
        if (Files.exists(staged)) {
          LOG.warn("{} exists already; not overwriting it with {} (a repeated commit)", target, staged);
          Files.deleteIfExists(staged);
        }
      } else if (Files.exists(staged)) {
        move(staged, target);
      } else {
        throw new IOException("staged output of partition " + part.partition() + " (" + staged
            + ") is missing and " + target + " does not exist; was the output directory modified"
            + " while the job ran?");
      }
      added.add(part.fileName());
    }
    if (!added.isEmpty() || replacePrevious) {
      names.addAll(added);
      writeManifest(dir, names);
    }
    if (lastOf.size() == writers) {
      Files.write(dir.resolve(SUCCESS), new byte[0]);
      deleteRecursively(temporary(dir));
    }
    fsync(dir);
  }

  private static void writeManifest(Path dir, Set<String> names) throws IOException {
    Path tmp = dir.resolve("." + MANIFEST + ".tmp");
    StringBuilder manifest = new StringBuilder(MANIFEST_HEADER).append('\n');
    for (String name : names) {
      manifest.append(name).append('\n');
    }
    Files.writeString(tmp, manifest, StandardCharsets.UTF_8);
    fsync(tmp);
    move(tmp, dir.resolve(MANIFEST));
  }

  /** Resuming from a checkpoint: re-commits its parts, then drops staging of checkpoints that never completed. */
  public static void recover(Path dir, List<Object> committables) throws IOException {
    commitCheckpoint(dir, committables, false);
    deleteRecursively(temporary(dir));
  }

  /** Publishes the staged parts; idempotent. */
  public static void commit(Path dir, List<Object> committables) throws IOException {
    List<StagedPart> parts = new ArrayList<>();
    Set<String> newNames = new LinkedHashSet<>();
    for (Object c : committables) {
      if (c != null) {
        StagedPart part = (StagedPart) c;
        parts.add(part);
        newNames.add(part.fileName());
      }
    }
    Files.createDirectories(dir);
    Set<String> oldNames = readManifest(dir);
    Files.deleteIfExists(dir.resolve(SUCCESS));
    for (String old : oldNames) {
      if (newNames.contains(old) && alreadyMoved(dir, parts, old)) {
        continue; // moved by an earlier run of this commit
      }
      Files.deleteIfExists(dir.resolve(old));
    }
    for (StagedPart part : parts) {
      Path staged = Path.of(part.stagedPath());
      Path target = dir.resolve(part.fileName());
      if (Files.exists(staged)) {
        move(staged, target);
      } else if (!Files.exists(target)) {
        throw new IOException("staged output of partition " + part.partition() + " (" + staged
            + ") is missing and " + target + " does not exist; was the output directory modified"
            + " while the job ran?");
      }
    }
    Path tmp = temporary(dir).resolve(MANIFEST + ".tmp");
    Files.createDirectories(tmp.getParent());
    StringBuilder manifest = new StringBuilder(MANIFEST_HEADER).append('\n');
    for (String name : newNames) {
      manifest.append(name).append('\n');
    }
    Files.writeString(tmp, manifest, StandardCharsets.UTF_8);
    fsync(tmp);
    move(tmp, dir.resolve(MANIFEST));
    Files.write(dir.resolve(SUCCESS), new byte[0]);
    deleteRecursively(temporary(dir));
    fsync(dir);
  }

  /** Discards everything staged; removes the directory if {@code created} and it is now empty. */
  public static void abort(Path dir, boolean created) {
    try {
      deleteRecursively(temporary(dir));
      if (created && Files.isDirectory(dir)) {
        try (Stream<Path> entries = Files.list(dir)) {
          if (entries.findAny().isEmpty()) {
            Files.deleteIfExists(dir);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not clean up staged output under {}: {}", dir, e.toString());
    }
  }

  private static boolean alreadyMoved(Path dir, List<StagedPart> parts, String name) {
    for (StagedPart p : parts) {
      if (p.fileName().equals(name)) {
        return !Files.exists(Path.of(p.stagedPath())) && Files.exists(dir.resolve(name));
      }
    }
    return false;
  }

  /** The file names listed in the directory's manifest; empty when there is none. */
  static Set<String> readManifest(Path dir) throws IOException {
    Set<String> names = new LinkedHashSet<>();
    Path manifest = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      return names;
    }
    for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
      String name = line.strip();
      // Only plain names inside dir: a tampered manifest must not make us delete elsewhere.
      if (!name.isEmpty() && !name.startsWith("#") && SAFE_NAME.matcher(name).matches()) {
        names.add(name);
      }
    }
    return names;
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Forces a file or directory to disk where the platform allows it (some cannot open directories). */
  public static void fsync(Path path) {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // directories cannot be opened for fsync on every platform
    }
  }

  /** Deletes a file or a directory tree; nothing if it does not exist (also if it vanishes meanwhile). */
  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    } catch (NoSuchFileException e) {
      return;
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }
}
