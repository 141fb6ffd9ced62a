package dev.sluice.io;

import dev.sluice.api.function.Collector;
import java.io.Serializable;

/**
 * Parses one line of a file straight from the reader's byte buffer, without creating a String per
 * line (see {@link Sources#lines}). Must not keep {@code buf} after returning: the reader reuses it.
 *
 * <p>Thread-safety: one parser object serves every split reader of its source, and readers run
 * concurrently on different task threads. Keep the parser stateless, or keep state per thread
 * (e.g. a transient {@code ThreadLocal} cache). Records emitted before the parser throws stay
 * emitted.
 */
@FunctionalInterface
public interface LineParser<T> extends Serializable {
  /**
   * Parses bytes [start, end) of buf (one line, no terminator) and emits 0..n records; throw to
   * report a bad record (handled by the source's {@link dev.sluice.api.source.BadRecordPolicy}).
   */
  void parse(byte[] buf, int start, int end, Collector<T> out) throws Exception;
}
