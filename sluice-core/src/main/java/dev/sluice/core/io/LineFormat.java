package dev.sluice.core.io;

import dev.sluice.io.LineParser;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/** How a line-oriented file format turns lines into records. Serializable: travels with the source. */
public interface LineFormat<T> extends Serializable {
  /**
   * Opens the parser for one file, called once per split reader on its task thread (CSV reads the
   * file's header here). Errors that concern the whole file (e.g. a missing column) are thrown here.
   */
  LineParser<T> open(Path file) throws IOException;

  /** Whether the file's first line is a header that is not a record. */
  default boolean hasHeader() {
    return false;
  }

  /** Whether files may be cut into byte ranges. */
  default boolean splittable() {
    return true;
  }
}
