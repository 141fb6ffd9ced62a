package dev.sluice.io;

import dev.sluice.api.function.Collector;
import java.io.Serializable;

/**
 * Parses one line of a file straight from the reader's byte buffer, without creating a String per
 * line (see {@link Sources#lines}). Called on a task thread, one line at a time; must not keep
 * {@code buf} after returning, since the reader reuses it.
 */
@FunctionalInterface
public interface LineParser<T> extends Serializable {
  /**
   * Parses bytes [start, end) of buf (one line, no terminator) and emits 0..n records; throw to
   * report a bad record (handled by the source's {@link dev.sluice.api.source.BadRecordPolicy}).
   */
  void parse(byte[] buf, int start, int end, Collector<T> out) throws Exception;
}
