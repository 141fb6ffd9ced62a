package dev.sluice.core.codec;

import java.io.Closeable;
import java.io.IOException;

/**
 * Reads back, in order, the records of a spill file written by a {@link SpillOutput}. Not
 * thread-safe. Holds a pooled serializer until {@link #close()}. A truncated or corrupt file, or a
 * record of a class this job may not read, fails with a {@link CodecException} naming the file and
 * the byte offset.
 */
public interface SpillInput extends Closeable {
  boolean hasNext() throws IOException;

  /** The next record (may be null); {@link java.util.NoSuchElementException} past the end. */
  Object next() throws IOException;
}
