package dev.sluice.core.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.sluice.io.LineParser;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One JSON value per line, bound with Jackson straight from the byte buffer (records, POJOs, Maps).
 * Strict: unknown properties, null for a primitive, a JSON {@code null} line and trailing content
 * after the value are bad records. Blank lines are skipped.
 */
public final class JsonLinesFormat<T> implements LineFormat<T> {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private final Class<T> type;

  public JsonLinesFormat(Class<T> type) {
    this.type = Objects.requireNonNull(type, "type");
  }

  @Override
  public LineParser<T> open(Path file) {
    ObjectReader reader = MAPPER.readerFor(type);
    return (buf, start, end, out) -> {
      if (blank(buf, start, end)) {
        return;
      }
      T value = reader.readValue(buf, start, end - start);
      if (value == null) {
        throw new IllegalArgumentException("JSON null is not a " + type.getSimpleName());
      }
      out.collect(value);
    };
  }

  static boolean blank(byte[] buf, int start, int end) {
    for (int i = start; i < end; i++) {
      byte b = buf[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  static String originalMessage(Throwable e) {
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }
}
