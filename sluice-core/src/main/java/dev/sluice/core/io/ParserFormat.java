package dev.sluice.core.io;

import dev.sluice.io.LineParser;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Lines handed as raw bytes to a user's {@link LineParser}: either one shared parser, or a new one
 * per split reader from a {@link LineParser.Factory} (exactly one of the two is set).
 */
public record ParserFormat<T>(LineParser<T> parser, LineParser.Factory<T> factory) implements LineFormat<T> {
  public ParserFormat {
    if ((parser == null) == (factory == null)) {
      throw new IllegalArgumentException("either a parser or a parser factory");
    }
  }

  public ParserFormat(LineParser<T> parser) {
    this(Objects.requireNonNull(parser, "parser"), null);
  }

  public static <T> ParserFormat<T> perReader(LineParser.Factory<T> factory) {
    return new ParserFormat<>(null, Objects.requireNonNull(factory, "parser factory"));
  }

  @Override
  public LineParser<T> open(Path file) {
    if (factory == null) {
      return parser;
    }
    LineParser<T> p = factory.create();
    if (p == null) {
      throw new IllegalStateException("the parser factory of " + file + " returned null");
    }
    return p;
  }
}
