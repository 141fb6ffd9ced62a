package dev.sluice.io;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.core.io.FileOutput;
import dev.sluice.core.io.FileSinkWriter;
import dev.sluice.core.io.RecordEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes one file per partition, {@code part-00000}, {@code part-00001}, ..., into a directory,
 * exactly once: each task attempt stages its file under {@code <dir>/_temporary/}, and only when
 * the whole job succeeded are the files renamed into place, followed by a manifest
 * {@code _SLUICE} (the files Sluice wrote) and an empty {@code _SUCCESS} marker, written last.
 *
 * <p>With checkpoints, each writer stages one file per checkpoint and each complete checkpoint
 * commits its files by rename ({@code part-<partition>-<checkpoint>}, and {@code part-<partition>-end}
 * for the rest at the end of input); {@code _SUCCESS} is written only when a bounded job has ended.
 * A commit repeated after a crash is harmless: a committed file is never overwritten.
 *
 * <p>{@link #open} refuses a non-empty directory unless overwrite is on; with overwrite, it still
 * refuses a directory holding any file not listed in its {@code _SLUICE} manifest, so that Sluice
 * never deletes files it did not write. The previous output is deleted at commit, so a failed job
 * leaves it intact. Create one with {@link Sinks}; the {@code with*} methods return copies.
 *
 * <p>Lifecycle and threads: {@link #open}, {@link #commit} and {@link #abort} run on the job's
 * coordinating thread; each task attempt's {@link SinkWriter} runs on one task thread and does
 * blocking file I/O (a 64 KiB buffer, an fsync in {@code prepareCommit}). Two jobs must not write
 * to the same directory at the same time.
 */
public final class FileSink<T> implements Sink<T> {
  private final String kind;
  private final String dir;
  private final RecordEncoder<? super T> encoder;
  private final boolean overwrite;
  /** Set by {@link #open} on the coordinating thread, read by {@link #abort}. */
  private volatile boolean createdDir;
  /** Set by {@link #open}: the next checkpoint commit is this run's first and replaces an earlier output. */
  private transient volatile boolean freshRun;

  FileSink(String kind, String dir, RecordEncoder<? super T> encoder, boolean overwrite) {
    this.kind = kind;
    this.dir = Objects.requireNonNull(dir, "output directory");
    this.encoder = encoder;
    this.overwrite = overwrite;
  }

  /** Whether an earlier Sluice output in the directory may be replaced (default false). */
  public FileSink<T> withOverwrite(boolean overwrite) {
    return new FileSink<>(kind, dir, encoder, overwrite);
  }

  public String directory() {
    return dir;
  }

  public boolean overwrite() {
    return overwrite;
  }

  @Override
  public void open(int parallelism) throws IOException {
    createdDir = FileOutput.prepare(Path.of(dir), overwrite);
    freshRun = true;
  }

  /** Each writer stages one file per checkpoint; see {@link FileSinkWriter}. */
  @Override
  public boolean supportsCheckpoints() {
    return true;
  }

  @Override
  public void recover(int parallelism, List<Object> committables) throws IOException {
    freshRun = false;
    FileOutput.recover(Path.of(dir), committables);
  }

  @Override
  public SinkWriter<T> writer(WriterContext context) throws IOException {
    return new FileSinkWriter<>(Path.of(dir), context, encoder);
  }

  @Override
  public void commit(List<Object> committables) throws IOException {
    for (Object c : committables) {
      if (c instanceof dev.sluice.core.io.CheckpointPart) {
        FileOutput.commitCheckpoint(Path.of(dir), committables, freshRun);
        freshRun = false;
        return;
      }
    }
    FileOutput.commit(Path.of(dir), committables);
  }

  @Override
  public void abort() {
    FileOutput.abort(Path.of(dir), createdDir);
  }

  @Override
  public String name() {
    return kind + "(" + dir + ")";
  }

  @Override
  public String toString() {
    return name();
  }
}
