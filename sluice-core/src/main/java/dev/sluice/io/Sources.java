package dev.sluice.io;

import dev.sluice.api.Timestamped;
import dev.sluice.api.internal.CollectionSource;
import dev.sluice.api.source.Source;
import dev.sluice.core.io.CsvFormat;
import dev.sluice.core.io.JsonLinesFormat;
import dev.sluice.core.io.ParserFormat;
import dev.sluice.core.io.TextFormat;
import dev.sluice.core.io.TimestampedCollectionSource;
import java.util.List;
import java.util.Map;

/**
 * The built-in sources. Every file source takes a file, a directory (its files, not recursive;
 * names starting with {@code _} or {@code .} are skipped) or a glob such as {@code data/*.txt} or
 * {@code logs/**}{@code /*.gz} ({@code **} spans directories). Lines end with {@code \n} or
 * {@code \r\n}; a last line without a terminator is read too.
 */
public final class Sources {
  private Sources() {}

  /**
   * UTF-8 lines without their terminator. Invalid UTF-8 decodes to the replacement character
   * U+FFFD; it is not a bad record.
   */
  public static FileSource<String> textFiles(String fileDirOrGlob) {
    return new FileSource<>("textFiles", fileDirOrGlob, TextFormat.INSTANCE);
  }

  /**
   * Lines handed to {@code parser} as bytes of the reader's buffer, with no String per line: the
   * fastest way to read a large text file. An exception from the parser reports a bad record.
   */
  public static <T> FileSource<T> lines(String fileDirOrGlob, LineParser<T> parser) {
    return new FileSource<>("lines", fileDirOrGlob, new ParserFormat<>(parser));
  }

  /**
   * Like {@link #lines(String, LineParser)}, with a new parser from {@code parsers} for each split
   * reader: the parser is used by one thread only and may keep state, such as a cache (see
   * {@link LineParser.Factory} for its lifecycle).
   */
  public static <T> FileSource<T> lines(String fileDirOrGlob, LineParser.Factory<T> parsers) {
    return new FileSource<>("lines", fileDirOrGlob, ParserFormat.perReader(parsers));
  }

  /**
   * CSV with a header row in each file: one {@link java.util.LinkedHashMap} per row, column name to
   * value, in header order. One record per line (quoted fields may hold commas, not line breaks).
   */
  public static FileSource<Map<String, String>> csv(String fileDirOrGlob) {
    return new FileSource<>("csv", fileDirOrGlob, CsvFormat.maps());
  }

  /**
   * CSV with a header row, bound to a record class by component name. Supported component types:
   * String, int, long, double, float, short, boolean and their boxes, BigDecimal, LocalDate (ISO)
   * and enums. A file without a column for some component fails the job when it is opened; a value
   * that does not convert is a bad record.
   */
  public static <T extends Record> FileSource<T> csv(String fileDirOrGlob, Class<T> recordType) {
    return new FileSource<>("csv", fileDirOrGlob, CsvFormat.records(recordType));
  }

  /** One JSON value per line, bound by Jackson to {@code type} (records, POJOs, maps). */
  public static <T> FileSource<T> jsonLines(String fileDirOrGlob, Class<T> type) {
    return new FileSource<>("jsonLines", fileDirOrGlob, new JsonLinesFormat<>(type));
  }

  /** An in-memory list, split into contiguous chunks. */
  public static <T> Source<T> collection(List<T> values) {
    return new CollectionSource<>(values);
  }

  /**
   * Values with their event timestamps, for tests of event-time pipelines: each value is emitted with
   * its timestamp, split into contiguous chunks. No watermarks: follow with
   * {@code withWatermarks(strategy)}, or use {@code dev.sluice.test.TestStream} to script watermarks.
   */
  public static <T> Source<T> timestamped(List<Timestamped<T>> values) {
    return new TimestampedCollectionSource<>(values);
  }

  // ---- streams ----

  /**
   * A deterministic generator of the records {@code fn(0), fn(1), ...}: unbounded unless
   * {@link GeneratorSource#count} is set, optionally rate-limited and with event timestamps. See
   * {@link GeneratorSource}.
   */
  public static <T> GeneratorSource<T> generator(GeneratorFunction<T> fn) {
    return new GeneratorSource<>(fn);
  }

  /**
   * An unbounded source of the UTF-8 lines of the files that appear in {@code directory} (and of
   * those already there), each file read once. Writers should write under a hidden name and rename;
   * see {@link DirectoryWatchSource} for the contract.
   */
  public static DirectoryWatchSource<String> watchDirectory(String directory) {
    return new DirectoryWatchSource<>("watchDirectory", directory, TextFormat.INSTANCE);
  }

  /** Like {@link #watchDirectory(String)}, each line parsed by {@code parser} (see {@link #lines}). */
  public static <T> DirectoryWatchSource<T> watchDirectory(String directory, LineParser<T> parser) {
    return new DirectoryWatchSource<>("watchDirectory", directory, new ParserFormat<>(parser));
  }
}
