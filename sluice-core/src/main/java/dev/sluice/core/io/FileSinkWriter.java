package dev.sluice.core.io;

import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one task attempt's records to {@code <dir>/_temporary/attempt-<partition>-<attempt>/
 * part-<partition>} through a 64 KiB buffer. {@link #prepareCommit} flushes and fsyncs; {@link
 * #abort} deletes the staged file. Used by one task thread; not thread-safe.
 *
 * <p>With checkpoints ({@link WriterContext#checkpointing()}) the writer stages one file per
 * checkpoint, {@code <dir>/_temporary/part-<partition>-<checkpoint>.<random>.inprogress}, opened at
 * the first record after a checkpoint; {@link #prepareCommit(long)} fsyncs and closes it and
 * returns a {@link CheckpointPart} that commits it as {@code part-<partition>-<checkpoint>}; at the
 * end of input the rest becomes {@code part-<partition>-end}. Checkpoints with no records stage
 * nothing.
 */
public final class FileSinkWriter<T> implements SinkWriter<T> {
  static final int BUFFER_SIZE = 64 * 1024;

  private final RecordEncoder<? super T> encoder;
  private final int partition;
  private final int parallelism;
  private final Path attemptDir;
  private Path staged;
  private FileOutputStream file;
  private BufferedWriter out;
  private boolean closed;
  private final boolean checkpointing;
  private final Path temporary;
  private long lastCheckpoint;

  public FileSinkWriter(Path dir, WriterContext context, RecordEncoder<? super T> encoder)
      throws IOException {
    this.encoder = encoder;
    this.partition = context.partition();
    this.parallelism = context.parallelism();
    this.checkpointing = context.checkpointing();
    this.temporary = FileOutput.temporary(dir);
    if (checkpointing) {
      this.attemptDir = temporary;
      this.closed = true; // nothing open until the first record
      return;
    }
    this.attemptDir = FileOutput.temporary(dir)
        .resolve("attempt-" + FileOutput.partName(partition).substring(5) + "-" + context.attempt());
    Files.createDirectories(attemptDir);
    this.staged = attemptDir.resolve(FileOutput.partName(partition));
    this.file = new FileOutputStream(staged.toFile());
    this.out = new BufferedWriter(new OutputStreamWriter(file, StandardCharsets.UTF_8), BUFFER_SIZE);
  }

  @Override
  public void write(T record) throws IOException {
    if (checkpointing && closed) {
      Files.createDirectories(temporary);
      staged = temporary.resolve(FileOutput.partName(partition) + "-" + (lastCheckpoint + 1) + "."
          + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".inprogress");
      file = new FileOutputStream(staged.toFile());
      out = new BufferedWriter(new OutputStreamWriter(file, StandardCharsets.UTF_8), BUFFER_SIZE);
      closed = false;
    }
    try {
      encoder.write(record, out);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not format record for " + staged.getFileName() + ": " + e, e);
    }
  }

  @Override
  public Object prepareCommit(long checkpointId) throws IOException {
    if (!checkpointing) {
      throw new IllegalStateException("this writer was not created for a job with checkpoints");
    }
    lastCheckpoint = checkpointId;
    return seal(String.format("%s-%06d", FileOutput.partName(partition), checkpointId), false);
  }

  private CheckpointPart seal(String name, boolean last) throws IOException {
    if (closed) {
      return last ? new CheckpointPart(partition, parallelism, null, name, true) : null;
    }
    out.flush();
    file.getFD().sync();
    close();
    CheckpointPart part = new CheckpointPart(partition, parallelism, staged.toString(), name, last);
    staged = null; // sealed: belongs to its checkpoint now, an abort must not delete it
    return part;
  }

  @Override
  public Object prepareCommit() throws IOException {
    if (checkpointing) {
      return seal(FileOutput.partName(partition) + "-end", true);
    }
    out.flush();
    file.getFD().sync();
    close();
    return new StagedPart(partition, staged.toString(), staged.getFileName().toString());
  }

  @Override
  public void abort() {
    if (checkpointing && closed) {
      return;
    }
    try {
      close();
    } catch (IOException ignored) {
      // the file is deleted next
    }
    if (staged == null) {
      return;
    }
    try {
      Files.deleteIfExists(staged);
      if (!checkpointing) {
        Files.deleteIfExists(attemptDir);
      }
    } catch (IOException e) {
      FileOutput.LOG.warn("could not delete staged file {}: {}", staged, e.toString());
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();

    }
  }
}
