package dev.sluice.core.io;

import java.io.Serializable;
import java.io.Writer;

/** Writes one record as one line (terminator included) of a file sink. */
@FunctionalInterface
public interface RecordEncoder<T> extends Serializable {
  void write(T record, Writer out) throws Exception;
}
