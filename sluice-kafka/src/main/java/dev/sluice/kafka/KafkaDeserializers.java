package dev.sluice.kafka;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Built-in {@link KafkaDeserializer}s. A record without a value (a tombstone) is a bad record for all of them. */
public final class KafkaDeserializers {
  private KafkaDeserializers() {}

  /** The value as UTF-8 text. */
  public static KafkaDeserializer<String> string() {
    return new Utf8();
  }

  /** The value's bytes, unchanged. */
  public static KafkaDeserializer<byte[]> bytes() {
    return new Bytes();
  }

  /** The value as JSON into {@code type} (a record or a bean), with Jackson; unknown properties are ignored. */
  public static <T> KafkaDeserializer<T> json(Class<T> type) {
    return new Json<>(type);
  }

  static byte[] value(ConsumerRecord<byte[], byte[]> r) {
    byte[] v = r.value();
    if (v == null) {
      throw new IllegalArgumentException("the record has no value (a tombstone)");
    }
    return v;
  }

  private record Utf8() implements KafkaDeserializer<String> {
    @Override
    public String deserialize(ConsumerRecord<byte[], byte[]> r) {
      return new String(value(r), StandardCharsets.UTF_8);
    }
  }

  private record Bytes() implements KafkaDeserializer<byte[]> {
    @Override
    public byte[] deserialize(ConsumerRecord<byte[], byte[]> r) {
      return value(r);
    }
  }

  private static final class Json<T> implements KafkaDeserializer<T> {
    private static final long serialVersionUID = 1L;
    private final Class<T> type;
    private transient ObjectMapper mapper;

    Json(Class<T> type) {
      this.type = java.util.Objects.requireNonNull(type, "type");
    }

    @Override
    public T deserialize(ConsumerRecord<byte[], byte[]> r) throws Exception {
      if (mapper == null) {
        mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
      }
      T v = mapper.readValue(value(r), type);
      if (v == null) {
        throw new IllegalArgumentException("JSON null is not a " + type.getSimpleName());
      }
      return v;
    }
  }
}
