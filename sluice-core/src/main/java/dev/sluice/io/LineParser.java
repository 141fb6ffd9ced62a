package dev.sluice.io;

import dev.sluice.api.function.Collector;
import java.io.Serializable;

/**
 * Parses one line of a file straight from the reader's byte buffer, without creating a String per
 * line (see {@link Sources#lines}). Must not keep {@code buf} after returning: the reader reuses it.
 *
 * <p>Thread-safety: a parser given to {@link Sources#lines(String, LineParser)} is one object that
 * serves every split reader of its source, and readers run concurrently on different task threads.
 * Keep such a parser stateless. A parser that wants state (a cache, a scratch buffer) should be
 * supplied through a {@link Factory} instead ({@link Sources#lines(String, Factory)}): each split
 * reader then gets its own instance, used by one thread only. Records emitted before the parser
 * throws stay emitted.
 */
@FunctionalInterface
public interface LineParser<T> extends Serializable {
  /**
   * Parses bytes [start, end) of buf (one line, no terminator) and emits 0..n records; throw to
   * report a bad record (handled by the source's {@link dev.sluice.api.source.BadRecordPolicy}).
   * Bytes of buf outside [start, end) may be read (e.g. whole words at a time) but are not part of
   * the line.
   */
  void parse(byte[] buf, int start, int end, Collector<T> out) throws Exception;

  /**
   * Creates a parser per split reader, for parsers that keep state.
   *
   * <p>Lifecycle: {@link #create} is called on the task thread once each time a split reader is
   * opened (once per split and per attempt, so a retried task starts with a fresh parser); the
   * parser it returns is used by that reader's thread only, for the lines of that one split, and is
   * then dropped. So the parser needs no synchronization and may keep mutable state (e.g. a cache of
   * decoded names), which must not be needed for correctness across splits. The factory itself is
   * serialized with the source and must be thread-safe (typically a constructor reference such as
   * {@code MyParser::new}).
   */
  @FunctionalInterface
  interface Factory<T> extends Serializable {
    /** A new parser, used by the calling thread only. Must not return null. */
    LineParser<T> create();
  }
}
