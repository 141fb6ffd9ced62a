package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobHandle;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * New partitions and topics in micro-batch mode and after a restart from a checkpoint, replayed
 * micro-batch ranges over several partitions, and the consumer group's offsets after completed
 * checkpoints.
 */
class KafkaDiscoveryTest extends WithKafkaBroker {
  @TempDir Path temp;

  /**
   * Writes {@code n} values {@code prefix<i>} spread over all {@code partitions} of {@code topic}
   * (timestamps now: records stamped 0 fall to retention at once; acks=all, not idempotent: right after partitions are added the embedded broker has rejected an
   * idempotent producer's batches as out of order, and it retried for minutes). What the topic holds
   * is then read back, not assumed: the expected output is {@link #input}.
   */
  static void produce(String topic, int partitions, String prefix, int n) {
    produce(topic, 0, partitions, prefix, n);
  }

  /** As above, to partitions {@code first .. partitions - 1} only. */
  static void produce(String topic, int first, int partitions, String prefix, int n) {
    java.util.Properties c = new java.util.Properties();
    c.put("bootstrap.servers", kafka.bootstrapServers());
    c.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    c.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    c.put("enable.idempotence", "false");
    c.put("acks", "all");
    c.put("linger.ms", "5");
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(c)) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(p.send(new ProducerRecord<>(topic, first + i % (partitions - first), System.currentTimeMillis(), null, (prefix + i).getBytes(StandardCharsets.UTF_8))));
      }
      for (var f : sent) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new AssertionError("cannot produce to " + topic + ": " + e, e);
    }
  }

  /** Everything the input topics hold, as a read_committed consumer sees it. */
  static List<String> input(String... topics) {
    List<String> all = new ArrayList<>();
    for (String t : topics) {
      all.addAll(readCommitted(kafka.bootstrapServers(), t));
    }
    return all;
  }

  /** Waits until {@code topic} holds at least {@code n} committed records (fails after 60 s, naming what it saw). */
  static List<String> awaitCommitted(String topic, int n, JobHandle job) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      List<String> got = readCommitted(kafka.bootstrapServers(), topic);
      if (got.size() >= n) {
        return got;
      }
      if (job.isDone()) {
        throw new AssertionError("the job ended (" + job.result().join().status() + ") with " + got.size() + " of " + n
            + " records in " + topic);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(topic + " holds " + got.size() + " of " + n + " records after 60 s");
      }
      Thread.sleep(100);
    }
  }

  static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    c.sort(null);
    return c;
  }

  static Pipeline copy(String name, KafkaSource<String> source, String out) {
    Pipeline p = Pipeline.create(name);
    p.read(source).write(KafkaSink.<String>builder(kafka.bootstrapServers(), out)
        .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).transactionalIdPrefix(name).build());
    return p;
  }

  static boolean offsetLogHasDetails(Path ck) throws Exception {
    try (Stream<Path> files = Files.walk(ck)) {
      for (Path f : files.filter(f -> f.getParent().getFileName().toString().equals("offsets")).toList()) {
        if (Files.readString(f).startsWith("sluice-offsets 2")) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void microBatchReadsPartitionsAddedWhileRunningExactlyOnce() throws Exception {
    kafka.createTopic("mbgrow", 2);
    kafka.createTopic("mbgrow-out", 2);
    produce("mbgrow", 2, "a", 400);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "mbgrow")
        .partitionDiscoveryInterval(Duration.ofMillis(100)).build();
    Path ck = temp.resolve("ck");
    try (JobHandle job = copy("mbgrow", src, "mbgrow-out").start(RunOptions.microBatch(Duration.ofMillis(50))
        .withParallelism(2).withCheckpointing(ck, Duration.ofSeconds(1)))) {
      awaitCommitted("mbgrow-out", input("mbgrow").size(), job);
      kafka.addPartitions("mbgrow", 5);
      produce("mbgrow", 5, "b", 1000);
      awaitCommitted("mbgrow-out", input("mbgrow").size(), job);
      kafka.addPartitions("mbgrow", 8);
      produce("mbgrow", 8, "c", 1600);
      awaitCommitted("mbgrow-out", input("mbgrow").size(), job);
      produce("mbgrow", 8, "d", 800);
      awaitCommitted("mbgrow-out", input("mbgrow").size(), job);
    }
    List<String> expected = input("mbgrow");
    assertThat(expected).hasSizeGreaterThanOrEqualTo(3800);
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), "mbgrow-out"))).isEqualTo(sorted(expected));
    // the new partitions rode in the split of their hash owner, with the per-partition ends in the offset log
    assertThat(offsetLogHasDetails(ck)).isTrue();
  }

  /** Fails the first prepareCommit after {@link #ARMED} is set, once: the job restarts and replays the batch. */
  record FailOnce<T>(KafkaSink<T> delegate) implements dev.sluice.api.sink.Sink<T> {
    static final java.util.concurrent.atomic.AtomicBoolean ARMED = new java.util.concurrent.atomic.AtomicBoolean();
    static final java.util.concurrent.atomic.AtomicInteger FAILED = new java.util.concurrent.atomic.AtomicInteger();
    static final java.util.concurrent.atomic.AtomicLong FAILED_AT = new java.util.concurrent.atomic.AtomicLong();

    @Override public void open(int parallelism) throws java.io.IOException {
      delegate.open(parallelism);
    }

    @Override public dev.sluice.api.sink.SinkWriter<T> writer(dev.sluice.api.sink.WriterContext context) throws java.io.IOException {
      dev.sluice.api.sink.SinkWriter<T> w = delegate.writer(context);
      return new dev.sluice.api.sink.SinkWriter<>() {
        @Override public void write(T record) throws java.io.IOException {
          w.write(record);
        }

        @Override public Object prepareCommit() throws java.io.IOException {
          return w.prepareCommit();
        }

        @Override public Object prepareCommit(long checkpointId) throws java.io.IOException {
          if (ARMED.compareAndSet(true, false)) {
            FAILED.incrementAndGet();
            FAILED_AT.set(checkpointId);
            throw new java.io.IOException("injected failure at checkpoint " + checkpointId);
          }
          return w.prepareCommit(checkpointId);
        }

        @Override public void abort() {
          w.abort();
        }

        @Override public void close() throws java.io.IOException {
          w.close();
        }
      };
    }

    @Override public void commit(List<Object> committables) throws java.io.IOException {
      delegate.commit(committables);
    }

    @Override public boolean supportsCheckpoints() {
      return true;
    }

    @Override public void recover(int parallelism, List<Object> committables) throws java.io.IOException {
      delegate.recover(parallelism, committables);
    }

    @Override public void abort() {
      delegate.abort();
    }
  }

  /**
   * The batch that first reads new partitions fails at its checkpoint; the restarted attempt replays it
   * from the offset log (its detail says where each partition starts and ends): every record exactly once.
   */
  @Test
  void aFailedBatchThatStartedNewPartitionsIsReplayedExactlyOnce() throws Exception {
    kafka.createTopic("mbfail", 2);
    kafka.createTopic("mbfail-out", 2);
    produce("mbfail", 2, "a", 300);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "mbfail")
        .partitionDiscoveryInterval(Duration.ofMillis(100)).build();
    Pipeline p = Pipeline.create("mbfail");
    p.read(src).write(new FailOnce<>(KafkaSink.<String>builder(kafka.bootstrapServers(), "mbfail-out")
        .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).transactionalIdPrefix("mbfail").build()));
    Path ck = temp.resolve("ck");
    try (JobHandle job = p.start(RunOptions.microBatch(Duration.ofMillis(50)).withParallelism(2).withMaxAttempts(3)
        .withRetryBackoff(Duration.ZERO).withCheckpointing(ck, Duration.ofSeconds(1)))) {
      awaitCommitted("mbfail-out", input("mbfail").size(), job);
      kafka.addPartitions("mbfail", 6);
      FailOnce.ARMED.set(true);
      // only the new partitions get input, so the next batch is the one that starts them
      produce("mbfail", 2, 6, "b", 1200);
      awaitCommitted("mbfail-out", input("mbfail").size(), job);
      produce("mbfail", 6, "c", 600);
      awaitCommitted("mbfail-out", input("mbfail").size(), job);
    }
    assertThat(FailOnce.FAILED.get()).isEqualTo(1);
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), "mbfail-out"))).isEqualTo(sorted(input("mbfail")));
    // the failed batch (= its checkpoint id) was the one that started the new partitions: its plan has details
    assertThat(Files.readString(ck.resolve("mbfail").resolve("offsets").resolve(Long.toString(FailOnce.FAILED_AT.get()))))
        .startsWith("sluice-offsets 2").containsPattern("mbfail:[2-5]:\\d+:\\d+"); // a partition started in it
  }

  /**
   * A job reading every topic matching a pattern is stopped; partitions and a matching topic are
   * added while it is down; the job restarted from its checkpoint reads them, and every record
   * exactly once.
   */
  @ParameterizedTest
  @ValueSource(strings = {"streaming", "micro-batch"})
  void aRestoredJobReadsPartitionsAndTopicsCreatedWhileItWasDown(String mode) throws Exception {
    String prefix = mode.equals("streaming") ? "downs" : "downm";
    String out = prefix + "-out";
    kafka.createTopic(prefix + "-a", 2);
    kafka.createTopic(out, 2);
    produce(prefix + "-a", 2, "a", 500);
    KafkaSource<String> src = KafkaSource.builderForPattern(kafka.bootstrapServers(), prefix + "-[a-z]")
        .partitionDiscoveryInterval(Duration.ofSeconds(30)).build(); // only the look at opening finds them
    Path ck = temp.resolve("ck");
    RunOptions options = (mode.equals("streaming") ? RunOptions.streaming() : RunOptions.microBatch(Duration.ofMillis(50)))
        .withParallelism(2).withCheckpointing(ck, Duration.ofMillis(100));
    try (JobHandle job = copy(prefix, src, out).start(options)) {
      awaitCommitted(out, input(prefix + "-a").size(), job);
    }
    kafka.addPartitions(prefix + "-a", 5);
    kafka.createTopic(prefix + "-b", 3);
    produce(prefix + "-a", 5, "b", 1000);
    produce(prefix + "-b", 3, "c", 600);
    try (JobHandle job = copy(prefix, src, out).start(options)) {
      awaitCommitted(out, input(prefix + "-a", prefix + "-b").size(), job);
      produce(prefix + "-a", 5, "d", 500);
      produce(prefix + "-b", 3, "e", 300);
      awaitCommitted(out, input(prefix + "-a", prefix + "-b").size(), job);
    }
    List<String> expected = input(prefix + "-a", prefix + "-b");
    assertThat(expected).hasSizeGreaterThanOrEqualTo(2900);
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), out))).isEqualTo(sorted(expected));
  }

  /**
   * A reader carrying several partitions plans a capped range; a reader restored from the same split,
   * after more records and another partition arrived, replays the range with the logged detail and
   * reads exactly the same records (seeded random caps and data).
   */
  @Test
  void aReplayedMultiPartitionRangeReadsExactlyTheSameRecords() throws Exception {
    Random rnd = new Random(11);
    kafka.createTopic("replay", 1);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "replay")
        .partitionDiscoveryInterval(Duration.ofMillis(1)).build();
    KafkaPartitionSplit split = (KafkaPartitionSplit) src.splits(1).get(0);
    produce("replay", 1, "p", 50);
    kafka.addPartitions("replay", 4);
    int next = 0;
    for (int round = 0; round < 6; round++) {
      try (KafkaProducer<byte[], byte[]> p = KafkaTestSupport.producer(kafka.bootstrapServers())) {
        for (int i = 0, n = rnd.nextInt(200); i < n; i++) {
          p.send(new ProducerRecord<>("replay", rnd.nextInt(4), System.currentTimeMillis(), null, ("r" + next++).getBytes(StandardCharsets.UTF_8)));
        }
      }
      // plan as the coordinator does: offset, availableEnd, detail, then a capped end
      List<String> first;
      long start;
      long end;
      String detail;
      KafkaPartitionSplit after;
      try (KafkaSplitReader<String> r = (KafkaSplitReader<String>) src.reader(split, new KafkaTestSupport.Context())) {
        start = r.offset();
        long available = r.availableEnd();
        detail = r.availableDetail();
        end = start + (long) ((available - start) * rnd.nextDouble());
        first = readBatch(r, end, detail);
        after = r.remainingSplit();
      }
      assertThat(detail).as("split with new partitions reports a detail").isNotNull();
      // more input and another partition, then the replay from the same split
      kafka.addPartitions("replay", 5 + round);
      produce("replay", 5 + round, "x" + round + "-", 40);
      List<String> again;
      try (KafkaSplitReader<String> r = (KafkaSplitReader<String>) src.reader(split, new KafkaTestSupport.Context())) {
        assertThat(r.offset()).isEqualTo(start);
        r.availableEnd();
        again = readBatch(r, end, detail);
        assertThat(r.remainingSplit()).isEqualTo(after);
      }
      assertThat(again).isEqualTo(first);
      split = after; // the next round goes on from the committed batch
    }
    assertThat(split.partitions()).hasSizeGreaterThan(1);
  }

  private static List<String> readBatch(KafkaSplitReader<String> r, long end, String detail) throws Exception {
    r.readUntil(end, detail);
    KafkaTestSupport.Out<String> out = new KafkaTestSupport.Out<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (r.offset() < end) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the reader did not reach " + end + " within 30 s, at " + r.offset());
      }
      r.read(out);
    }
    for (int i = 0; i < 3; i++) {
      r.read(out); // nothing more may come
    }
    return out.values;
  }

  /** The group's offsets after the last completed batch/checkpoint are that checkpoint's positions (not one behind). */
  @ParameterizedTest
  @ValueSource(strings = {"streaming", "micro-batch"})
  void theGroupHoldsTheOffsetsOfTheLastCompletedCheckpoint(String mode) throws Exception {
    String topic = mode.equals("streaming") ? "grps" : "grpm";
    kafka.createTopic(topic, 3);
    kafka.createTopic(topic + "-out", 1);
    produce(topic, 3, "a", 300);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), topic).groupId(topic + "-group").build();
    RunOptions options = (mode.equals("streaming") ? RunOptions.streaming() : RunOptions.microBatch(Duration.ofMillis(50)))
        .withParallelism(2).withCheckpointing(temp.resolve("ck"), Duration.ofMillis(200));
    try (JobHandle job = copy(topic, src, topic + "-out").start(options)) {
      for (int round = 0; round < 3; round++) {
        awaitCommitted(topic + "-out", input(topic).size(), job);
        // in micro-batch mode no batch (checkpoint) follows while no input arrives: the group must hold
        // the last batch's positions, which are the ends
        awaitGroupAtEnd(topic, topic + "-group");
        produce(topic, 3, "r" + round + "-", 100 + 100 * round);
      }
      awaitCommitted(topic + "-out", input(topic).size(), job);
    }
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), topic + "-out"))).isEqualTo(sorted(input(topic)));
  }

  private static void awaitGroupAtEnd(String topic, String group) throws Exception {
    var admin = kafka.admin();
    Map<TopicPartition, OffsetSpec> req = new HashMap<>();
    for (int p = 0; p < 3; p++) {
      req.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(req).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Map<TopicPartition, Long> committed = new HashMap<>();
    while (System.nanoTime() < deadline) {
      committed.clear();
      Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      m.forEach((tp, om) -> committed.put(tp, om == null ? -1 : om.offset()));
      if (committed.equals(ends)) {
        return;
      }
      Thread.sleep(50);
    }
    assertThat(committed).as("committed offsets of group " + group).isEqualTo(ends);
  }
}
