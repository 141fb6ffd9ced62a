package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Micro-batch mode over transactional input, per-partition watermarks, and partitions added while running. */
class KafkaModesTest extends WithKafkaBroker {
  @TempDir Path temp;

  /** Writes committed and aborted transactions (markers and aborted records occupy offsets); returns the committed values. */
  static List<String> produceTransactions(String topic, int partitions, long seed) {
    Random rnd = new Random(seed);
    List<String> committed = new ArrayList<>();
    Map<String, Object> c = Map.of("bootstrap.servers", kafka.bootstrapServers(), "key.serializer", ByteArraySerializer.class.getName(),
        "value.serializer", ByteArraySerializer.class.getName(), "transactional.id", "input-" + topic);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(c)) {
      p.initTransactions();
      int next = 0;
      for (int t = 0; t < 30; t++) {
        p.beginTransaction();
        boolean abort = rnd.nextInt(4) == 0;
        List<String> batch = new ArrayList<>();
        for (int i = 0, k = 1 + rnd.nextInt(500); i < k; i++) {
          String v = "m" + next++;
          batch.add(v);
          p.send(new ProducerRecord<>(topic, rnd.nextInt(partitions), (long) next, null, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (abort) {
          p.abortTransaction();
        } else {
          p.commitTransaction();
          committed.addAll(batch);
        }
      }
    }
    return committed;
  }

  static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    c.sort(null);
    return c;
  }

  @Test
  void microBatchAvailableNowReadsExactlyTheCommittedRecordsLikeStreaming() {
    kafka.createTopic("mb-in", 3);
    kafka.createTopic("mb-out", 2);
    List<String> committed = produceTransactions("mb-in", 3, 7);
    // streaming, bounded at the current end
    List<String> streaming = Pipeline.create("mb-stream")
        .read(KafkaSource.builder(kafka.bootstrapServers(), "mb-in").bounded(StoppingOffsets.latest()).build())
        .collect(RunOptions.streaming().withParallelism(2));
    assertThat(sorted(streaming)).isEqualTo(sorted(committed));
    // micro-batch, available-now, unbounded source, exactly-once sink; small batches so several are planned
    Pipeline p = Pipeline.create("mb");
    p.read(KafkaSource.builder(kafka.bootstrapServers(), "mb-in").build())
        .write(KafkaSink.<String>builder(kafka.bootstrapServers(), "mb-out")
            .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).transactionalIdPrefix("mb").build());
    JobResult r = p.run(RunOptions.availableNow().withTrigger(new RunOptions.Trigger(Duration.ofMillis(10), true).withMaxOffsetsPerSplit(700))
        .withParallelism(2).withCheckpointing(temp.resolve("ck"), Duration.ofSeconds(1)));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), "mb-out"))).isEqualTo(sorted(committed));
  }

  @Test
  void watermarksArePerPartition() {
    kafka.createTopic("wm", 2);
    // partition 0 runs 10 s ahead of partition 1 in event time; with one watermark for both, all of
    // partition 1 would be late and dropped
    try (KafkaProducer<byte[], byte[]> p = KafkaTestSupport.producer(kafka.bootstrapServers())) {
      for (int i = 0; i < 10_000; i++) {
        p.send(new ProducerRecord<>("wm", 0, 10_000L + i, null, "a".getBytes(StandardCharsets.UTF_8)));
      }
      p.flush();
      for (int i = 0; i < 10_000; i++) {
        p.send(new ProducerRecord<>("wm", 1, (long) i, null, "b".getBytes(StandardCharsets.UTF_8)));
      }
    }
    List<Windowed<String, Long>> counts = Pipeline.create("wm")
        .read(KafkaSource.builder(kafka.bootstrapServers(), "wm").bounded(StoppingOffsets.latest()).build())
        .withWatermarks(WatermarkStrategy.monotonous())
        .keyBy(v -> v).window(Windows.tumbling(Duration.ofSeconds(1))).count()
        .collect(RunOptions.streaming().withParallelism(1));
    assertThat(counts).hasSize(20);
    assertThat(counts).allSatisfy(w -> assertThat(w.value()).isEqualTo(1_000L));
    assertThat(counts.stream().filter(w -> w.key().equals("b")).count()).isEqualTo(10);
  }

  @Test
  void aStreamingReaderPicksUpPartitionsAddedWhileRunning() throws Exception {
    kafka.createTopic("grow", 2);
    KafkaTestSupport.produce(kafka.bootstrapServers(), "grow", 2, List.of("x0", "x1"), 0);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "grow")
        .partitionDiscoveryInterval(Duration.ofMillis(100)).build();
    var splits = src.splits(2);
    assertThat(splits).hasSize(2);
    kafka.addPartitions("grow", 5);
    try (KafkaProducer<byte[], byte[]> p = KafkaTestSupport.producer(kafka.bootstrapServers())) {
      for (int part = 0; part < 5; part++) {
        p.send(new ProducerRecord<>("grow", part, 0L, null, ("y" + part).getBytes(StandardCharsets.UTF_8)));
      }
    }
    List<String> got = new ArrayList<>();
    List<KafkaPartitionSplit> rests = new ArrayList<>();
    for (var split : splits) {
      KafkaTestSupport.Out<String> out = new KafkaTestSupport.Out<>();
      try (var r = src.reader(split, new KafkaTestSupport.Context())) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && out.values.size() < 3) {
          r.read(out);
        }
        // give discovery a few more rounds: nothing else may arrive
        for (int i = 0; i < 5; i++) {
          r.read(out);
        }
        rests.add((KafkaPartitionSplit) r.remainingSplit());
      }
      got.addAll(out.values);
    }
    assertThat(sorted(got)).containsExactly("x0", "x1", "y0", "y1", "y2", "y3", "y4");
    // every new partition is read by exactly one split, and tracked in its checkpointed rest
    List<Integer> tracked = new ArrayList<>();
    for (KafkaPartitionSplit s : rests) {
      s.partitions().forEach(po -> tracked.add(po.partition()));
      s.partitions().forEach(po -> assertThat(po.offset()).isGreaterThan(0));
    }
    assertThat(sorted(tracked.stream().map(String::valueOf).toList())).containsExactly("0", "1", "2", "3", "4");
  }
}
