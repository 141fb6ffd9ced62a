package dev.sluice.api.sink;

import java.io.Closeable;
import java.io.IOException;

/** Writes one task attempt's records. Used by one thread; not thread-safe. */
public interface SinkWriter<T> extends Closeable {
  void write(T record) throws IOException;

  /** Finishes writing and returns what {@link Sink#commit} needs to publish this partition's output. */
  Object prepareCommit() throws IOException;

  /** Discards this attempt's staged output. Called instead of prepareCommit when the attempt failed. */
  void abort();

  @Override
  default void close() throws IOException {}
}
