package dev.sluice.core.codec;

import java.io.Closeable;
import java.io.IOException;

/**
 * Appends records to one spill file. Not thread-safe: one writer thread for its whole life. Holds a
 * pooled serializer until {@link #close()}, which flushes and must always be called.
 */
public interface SpillOutput extends Closeable {
  /** Appends one record (null allowed). Throws {@link CodecException} if it cannot be serialized. */
  void write(Object record) throws IOException;

  /** Bytes written so far, including those still buffered; the file's size once closed. */
  long bytesWritten();
}
