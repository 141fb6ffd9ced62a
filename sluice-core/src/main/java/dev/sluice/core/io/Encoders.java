package dev.sluice.core.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sluice.api.function.MapFunction;
import java.util.Objects;

/** The built-in record encoders of the file sinks. */
public final class Encoders {
  private Encoders() {}

  /** Jackson is loaded only by jobs that write JSON: it costs about half a second of start-up. */
  private static final class Json {
    static final ObjectWriter WRITER = new ObjectMapper()
        .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
        .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
        .writer();
  }

  /** {@code String.valueOf(record)} per line. */
  public static <T> RecordEncoder<T> text() {
    return (record, out) -> {
      out.write(String.valueOf(record));
      out.write('\n');
    };
  }

  /** {@code format(record)} per line. */
  public static <T> RecordEncoder<T> text(MapFunction<? super T, String> format) {
    Objects.requireNonNull(format, "format");
    return (record, out) -> {
      out.write(String.valueOf(format.apply(record)));
      out.write('\n');
    };
  }

  /** One compact JSON value per line, written by Jackson. */
  public static <T> RecordEncoder<T> json() {
    return (record, out) -> {
      Json.WRITER.writeValue(out, record);
      out.write('\n');
    };
  }
}
