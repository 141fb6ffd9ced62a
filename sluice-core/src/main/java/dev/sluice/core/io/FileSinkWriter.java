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
 */
public final class FileSinkWriter<T> implements SinkWriter<T> {
  static final int BUFFER_SIZE = 64 * 1024;

  private final RecordEncoder<? super T> encoder;
  private final int partition;
  private final Path attemptDir;
  private final Path staged;
  private final FileOutputStream file;
  private final BufferedWriter out;
  private boolean closed;

  public FileSinkWriter(Path dir, WriterContext context, RecordEncoder<? super T> encoder)
      throws IOException {
    this.encoder = encoder;
    this.partition = context.partition();
    this.attemptDir = FileOutput.temporary(dir)
        .resolve("attempt-" + FileOutput.partName(partition).substring(5) + "-" + context.attempt());
    Files.createDirectories(attemptDir);
    this.staged = attemptDir.resolve(FileOutput.partName(partition));
    this.file = new FileOutputStream(staged.toFile());
    this.out = new BufferedWriter(new OutputStreamWriter(file, StandardCharsets.UTF_8), BUFFER_SIZE);
  }

  @Override
  public void write(T record) throws IOException {
    try {
      encoder.write(record, out);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not format record for " + staged.getFileName() + ": " + e, e);
    }
  }

  @Override
  public Object prepareCommit() throws IOException {
    out.flush();
    file.getFD().sync();
    close();
    return new StagedPart(partition, staged.toString(), staged.getFileName().toString());
  }

  @Override
  public void abort() {
    try {
      close();
    } catch (IOException ignored) {
      // the file is deleted next
    }
    try {
      Files.deleteIfExists(staged);
      Files.deleteIfExists(attemptDir);
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
