package dev.sluice.bench;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.kafka.DeliveryGuarantee;
import dev.sluice.kafka.KafkaDeserializers;
import dev.sluice.kafka.KafkaSerializers;
import dev.sluice.kafka.KafkaSink;
import dev.sluice.kafka.KafkaSource;
import dev.sluice.kafka.StoppingOffsets;
import dev.sluice.kafka.testing.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka to Kafka, exactly once, checkpoints every second, the broker in this JVM
 * ({@code EmbeddedKafka}): pre-loads {@code --records} values of {@code --bytes} bytes into a topic of
 * {@code --partitions} partitions, then times a job that copies it (bounded at the end found at start)
 * into another topic through {@code KafkaSink} with {@code EXACTLY_ONCE}, and counts the output with
 * a read_committed consumer. Prints records/s.
 * {@code Bench kafka [--records 5000000] [--bytes 100] [--partitions 4] [--parallelism 2] [--checkpoint-ms 1000] [--guarantee EXACTLY_ONCE|AT_LEAST_ONCE] [--compression none|lz4]}
 */
final class KafkaBench {
  private KafkaBench() {}

  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv);
    long n = a.getLong("records", 5_000_000);
    int bytes = (int) a.getLong("bytes", 100);
    int partitions = (int) a.getLong("partitions", 4);
    int parallelism = (int) a.getLong("parallelism", 2);
    long checkpointMs = a.getLong("checkpoint-ms", 1000);
    String guarantee = a.get("guarantee", "EXACTLY_ONCE");
    String compression = a.get("compression", "none");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String b = kafka.bootstrapServers();
      kafka.createTopic("bench-in", partitions);
      kafka.createTopic("bench-out", partitions);
      long t0 = System.nanoTime();
      preload(b, n, bytes, partitions, compression);
      System.out.printf("pre-loaded %,d records of %d bytes into %d partitions in %.1f s%n", n, bytes, partitions,
          Args.seconds(System.nanoTime() - t0));

      Path ck = Files.createTempDirectory("sluice-kafka-bench-ck");
      Pipeline p = Pipeline.create("kafka-bench");
      p.read(KafkaSource.builder(b, "bench-in").deserializer(KafkaDeserializers.bytes())
              .bounded(StoppingOffsets.latest()).build())
          .write(KafkaSink.<byte[]>builder(b, "bench-out").serializer(KafkaSerializers.bytes())
              .deliveryGuarantee(DeliveryGuarantee.valueOf(guarantee)).transactionalIdPrefix("bench")
              .property("compression.type", compression).build());
      long t1 = System.nanoTime();
      JobResult r = p.run(RunOptions.streaming().withParallelism(parallelism)
          .withCheckpointing(ck, Duration.ofMillis(checkpointMs)));
      long elapsed = System.nanoTime() - t1;
      long out = countCommitted(b, "bench-out");
      System.out.printf("RESULT kafka -> kafka %s, %s, checkpoints every %d ms, parallelism %d, %d partitions: %s, %,d records in %.2f s"
              + " = %,.0f records/s (%.1f MB/s of values); read_committed output: %,d records%n",
          guarantee, compression, checkpointMs, parallelism, partitions, r.status(), n, Args.seconds(elapsed),
          n / Args.seconds(elapsed), n * (double) bytes / Args.seconds(elapsed) / 1e6, out);
      if (out != n) {
        System.out.println("MISMATCH: expected " + n + " output records");
      }
      deleteRecursively(ck);
    }
  }

  private static void preload(String b, long n, int bytes, int partitions, String compression) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", b);
    c.put("key.serializer", ByteArraySerializer.class.getName());
    c.put("value.serializer", ByteArraySerializer.class.getName());
    c.put("linger.ms", 20);
    c.put("batch.size", 512 * 1024);
    c.put("compression.type", compression);
    c.put("buffer.memory", 128L << 20);
    Random rnd = new Random(1);
    byte[][] values = new byte[1024][];
    for (int i = 0; i < values.length; i++) {
      values[i] = new byte[bytes];
      for (int j = 0; j < bytes; j++) {
        values[i][j] = (byte) ('a' + rnd.nextInt(26));
      }
    }
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(c)) {
      for (long i = 0; i < n; i++) {
        p.send(new ProducerRecord<>("bench-in", (int) (i % partitions), null, values[(int) (i & 1023)]));
      }
      p.flush();
    }
  }

  private static long countCommitted(String b, String topic) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", b);
    c.put("key.deserializer", ByteArrayDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    c.put("isolation.level", "read_committed");
    c.put("max.poll.records", 10_000);
    c.put("fetch.max.bytes", 64 << 20);
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream().map(pi -> new TopicPartition(topic, pi.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      // A committed transaction's markers reach the partitions asynchronously, after
      // commitTransaction returned: wait until no transaction is open (the last stable offsets,
      // read_committed's end, equal the logs' ends), at most 30 s.
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      Map<String, Object> u = new HashMap<>(c);
      u.put("isolation.level", "read_uncommitted");
      try (KafkaConsumer<byte[], byte[]> all = new KafkaConsumer<>(u)) {
        Map<TopicPartition, Long> logEnd = all.endOffsets(tps);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!end.equals(logEnd) && System.nanoTime() < deadline) {
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
          end = consumer.endOffsets(tps);
        }
      }
      Map<TopicPartition, Long> stable = end;
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < stable.get(tp))) {
        count += consumer.poll(Duration.ofMillis(200)).count();
      }
    }
    return count;
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
