package dev.sluice.core.codec;

import java.io.Closeable;
import java.io.IOException;

public interface SpillInput extends Closeable {
  boolean hasNext() throws IOException;

  Object next() throws IOException;
}
