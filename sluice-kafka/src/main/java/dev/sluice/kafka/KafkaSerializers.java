package dev.sluice.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** Built-in {@link KafkaSerializer}s. */
public final class KafkaSerializers {
  private KafkaSerializers() {}

  /** {@code String.valueOf(record)} as UTF-8. */
  public static <T> KafkaSerializer<T> string() {
    return new Utf8<>();
  }

  /** The record's bytes, unchanged. */
  public static KafkaSerializer<byte[]> bytes() {
    return new Bytes();
  }

  /** The record as JSON (Jackson; records and beans). */
  public static <T> KafkaSerializer<T> json() {
    return new Json<>();
  }

  private record Utf8<T>() implements KafkaSerializer<T> {
    @Override
    public byte[] serialize(T r) {
      return String.valueOf(r).getBytes(StandardCharsets.UTF_8);
    }
  }

  private record Bytes() implements KafkaSerializer<byte[]> {
    @Override
    public byte[] serialize(byte[] r) {
      return r;
    }
  }

  private static final class Json<T> implements KafkaSerializer<T> {
    private static final long serialVersionUID = 1L;
    private transient ObjectMapper mapper;

    @Override
    public byte[] serialize(T r) throws Exception {
      if (mapper == null) {
        mapper = new ObjectMapper();
      }
      return mapper.writeValueAsBytes(r);
    }
  }
}
