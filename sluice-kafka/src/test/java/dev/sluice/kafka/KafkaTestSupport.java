package dev.sluice.kafka;

import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing and reading test data with plain Kafka clients. */
final class KafkaTestSupport {
  private KafkaTestSupport() {}

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "5");
    return new KafkaProducer<>(p);
  }

  /** Writes {@code values} to {@code partition} (or by round robin when -1) with timestamps {@code ts0 + i}. */
  static void produce(String bootstrap, String topic, int partitions, List<String> values, long ts0) {
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      for (int i = 0; i < values.size(); i++) {
        p.send(new ProducerRecord<>(topic, i % partitions, ts0 + i, null, values.get(i).getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
    }
  }

  /**
   * Every committed value in {@code topic}, read with read_committed up to the current end of the
   * log. The end is the high watermark (a read_uncommitted end offset), not the read_committed one
   * (the last stable offset): a transaction whose commit has returned may not have its commit
   * markers written into the partitions yet (the coordinator writes them afterwards), and until then
   * the last stable offset stops before it, so reading up to that would miss the output of
   * transactions just committed. Waits (up to 60 s) for every transaction in the log to complete.
   */
  static List<String> readCommitted(String bootstrap, String topic) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrap);
    c.put("key.deserializer", ByteArrayDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    c.put("enable.auto.commit", "false");
    Map<TopicPartition, Long> end;
    try (KafkaConsumer<byte[], byte[]> uncommitted = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = uncommitted.partitionsFor(topic).stream()
          .map(pi -> new TopicPartition(topic, pi.partition())).toList();
      end = uncommitted.endOffsets(tps); // read_uncommitted (the default): the high watermarks
    }
    c.put("isolation.level", "read_committed");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = new ArrayList<>(end.keySet());
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end within 60 s (a transaction still open?"
            + " positions " + tps.stream().map(tp -> tp + "=" + consumer.position(tp)).toList() + ", ends " + end + ")");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          out.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  /** A context that records bad records (as the runtime's SKIP would) or throws (FAIL). */
  static final class Context implements SourceContext {
    final List<String> bad = new ArrayList<>();

    @Override public int partition() {
      return 0;
    }

    @Override public int attempt() {
      return 0;
    }

    @Override public void badRecord(String raw, String position, String reason) {
      bad.add(position + ": " + reason);
    }
  }

  /** Collects records with timestamps. */
  static final class Out<T> implements SourceOutput<T> {
    final List<T> values = new ArrayList<>();
    final List<Long> timestamps = new ArrayList<>();

    @Override public void collect(T record, long timestamp) {
      values.add(record);
      timestamps.add(timestamp);
    }

    @Override public void collect(T record) {
      values.add(record);
      timestamps.add(Long.MIN_VALUE);
    }
  }
}
