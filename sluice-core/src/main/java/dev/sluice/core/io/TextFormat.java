package dev.sluice.core.io;

import dev.sluice.io.LineParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * UTF-8 lines as Strings. Invalid UTF-8 byte sequences decode to U+FFFD (the replacement
 * character), as {@code new String(bytes, UTF_8)} does; they are not bad records.
 */
public final class TextFormat implements LineFormat<String> {
  public static final TextFormat INSTANCE = new TextFormat();
  private static final LineParser<String> PARSER =
      (buf, start, end, out) -> out.collect(new String(buf, start, end - start, StandardCharsets.UTF_8));

  private TextFormat() {}

  @Override
  public LineParser<String> open(Path file) {
    return PARSER;
  }

  private Object readResolve() {
    return INSTANCE;
  }
}
