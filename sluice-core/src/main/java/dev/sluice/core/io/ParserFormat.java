package dev.sluice.core.io;

import dev.sluice.io.LineParser;
import java.nio.file.Path;
import java.util.Objects;

/** Lines handed as raw bytes to a user's {@link LineParser}. */
public record ParserFormat<T>(LineParser<T> parser) implements LineFormat<T> {
  public ParserFormat {
    Objects.requireNonNull(parser, "parser");
  }

  @Override
  public LineParser<T> open(Path file) {
    return parser;
  }
}
