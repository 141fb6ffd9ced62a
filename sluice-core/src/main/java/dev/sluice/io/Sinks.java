package dev.sluice.io;

import dev.sluice.api.function.MapFunction;
import dev.sluice.api.sink.Sink;
import dev.sluice.core.io.ConsoleSink;
import dev.sluice.core.io.Encoders;

/** The built-in sinks. File sinks write UTF-8, one record per line ending in {@code \n}. */
public final class Sinks {
  private Sinks() {}

  /** {@code String.valueOf(record)} per line, one file per partition in {@code dir}. */
  public static <T> FileSink<T> textFiles(String dir) {
    return new FileSink<>("textFiles", dir, Encoders.text(), false);
  }

  /** {@code format(record)} per line, one file per partition in {@code dir}. */
  public static <T> FileSink<T> textFiles(String dir, MapFunction<? super T, String> format) {
    return new FileSink<>("textFiles", dir, Encoders.text(format), false);
  }

  /** One JSON object per line (Jackson), one file per partition in {@code dir}. */
  public static <T> FileSink<T> jsonLines(String dir) {
    return new FileSink<>("jsonLines", dir, Encoders.json(), false);
  }

  /**
   * Prints each record's {@code toString()} to standard output as it arrives. Not transactional:
   * a retried task prints its records again.
   */
  public static <T> Sink<T> console() {
    return new ConsoleSink<>();
  }
}
