package dev.sluice.core.codec;

import java.io.Closeable;
import java.io.IOException;

public interface SpillOutput extends Closeable {
  void write(Object record) throws IOException;

  long bytesWritten();
}
