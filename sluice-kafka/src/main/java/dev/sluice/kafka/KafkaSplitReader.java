package dev.sluice.kafka;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SplitReader;
import dev.sluice.kafka.KafkaPartitionSplit.PartitionOffset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one {@link KafkaPartitionSplit} with its own consumer ({@code assign}, read_committed). Every
 * {@link #read} emits all records of one {@code poll}, so between reads the consumer's position is
 * exactly the next offset to read, past transaction markers and aborted records: that position is
 * what {@link #remainingSplit} and {@link #offset} report. Used by one thread.
 */
final class KafkaSplitReader<T> implements SplitReader<T> {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSplitReader.class);

  private final KafkaSource<T> source;
  private final KafkaPartitionSplit split;
  private final SourceContext context;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Duration pollTimeout;
  /** Assigned partitions in split order (own partition first), with their stop offsets. */
  private final List<TopicPartition> assigned = new ArrayList<>();
  private final Map<TopicPartition, Long> stops = new HashMap<>();
  private final TopicPartition own;
  private String position;
  private long bytesRead;
  /** Micro-batch mode: emit nothing at or after this offset of the own partition. */
  private long until = Long.MAX_VALUE;
  private boolean microBatch;
  private boolean paused;
  private long nextDiscovery;
  private boolean warnedNewPartitions;
  /** When a poll last returned records (or the brokers last answered). */
  private long lastRecords = System.nanoTime();
  /** Consumer group reporting: the offsets of the previous checkpoint (sent at the next one). */
  private Map<TopicPartition, OffsetAndMetadata> previousCheckpoint;

  KafkaSplitReader(KafkaSource<T> source, KafkaPartitionSplit split, SourceContext context) throws IOException {
    this.source = source;
    this.split = split;
    this.context = context;
    this.pollTimeout = Duration.ofMillis(source.pollTimeoutMs);
    Map<String, Object> c = new HashMap<>();
    c.put("max.poll.records", 5000);
    c.put("fetch.max.bytes", 32 << 20);
    c.put("max.partition.fetch.bytes", 8 << 20);
    c.put("receive.buffer.bytes", 1 << 20);
    c.putAll(source.properties);
    c.put("bootstrap.servers", source.bootstrap);
    c.put("key.deserializer", ByteArrayDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    c.put("enable.auto.commit", "false");
    c.put("isolation.level", "read_committed");
    c.put("auto.offset.reset", "earliest");
    c.put("client.id", "sluice-" + split.id() + "-" + context.partition() + "-" + context.attempt());
    if (source.groupId != null) {
      c.put("group.id", source.groupId);
    } else {
      c.remove("group.id");
    }
    this.consumer = new KafkaConsumer<>(c);
    try {
      for (PartitionOffset po : split.partitions()) {
        TopicPartition tp = new TopicPartition(po.topic(), po.partition());
        assigned.add(tp);
        stops.put(tp, po.stop());
      }
      own = assigned.get(0);
      consumer.assign(assigned);
      for (PartitionOffset po : split.partitions()) {
        consumer.seek(new TopicPartition(po.topic(), po.partition()), po.offset());
      }
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw new IOException("cannot open Kafka " + split.id() + " at " + source.bootstrap + ": " + e, e);
    }
    this.position = split.id() + " before offset " + split.partitions().get(0).offset();
    this.nextDiscovery = System.nanoTime() + Duration.ofMillis(source.discoveryIntervalMs).toNanos();
  }

  @Override
  @SuppressWarnings("unchecked")
  public boolean read(Collector<? super T> out) throws IOException {
    if (finished()) {
      return false;
    }
    if (microBatch) {
      if (consumer.position(own) >= until) {
        pause();
        return true;
      }
    } else if (!source.boundedLatest && source.discoveryIntervalMs > 0 && System.nanoTime() >= nextDiscovery) {
      discover();
    }
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(pollTimeout);
    } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
      throw new IOException("interrupted while reading Kafka " + split.id(), e);
    }
    if (records.isEmpty()) {
      checkReachable();
      return !finished();
    }
    lastRecords = System.nanoTime();
    SourceOutput<T> timed = out instanceof SourceOutput<?> so ? (SourceOutput<T>) so : null;
    KafkaDeserializer<T> d = source.deserializer;
    for (TopicPartition tp : records.partitions()) {
      long stop = tp.equals(own) ? Math.min(stops.get(tp), until) : stops.get(tp);
      List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
      for (int i = 0, n = list.size(); i < n; i++) {
        ConsumerRecord<byte[], byte[]> r = list.get(i);
        if (r.offset() >= stop) {
          // records past a bounded or micro-batch end: the next read starts here again
          consumer.seek(tp, r.offset());
          break;
        }
        bytesRead += Math.max(0, r.serializedValueSize()) + Math.max(0, r.serializedKeySize());
        T v;
        try {
          v = d.deserialize(r);
        } catch (Exception e) {
          position = "topic " + r.topic() + " partition " + r.partition() + " offset " + r.offset();
          context.badRecord(raw(r), position, e.getMessage() != null ? e.getMessage() : e.toString());
          continue;
        }
        if (v == null) {
          position = "topic " + r.topic() + " partition " + r.partition() + " offset " + r.offset();
          context.badRecord(raw(r), position, "the deserializer returned null");
          continue;
        }
        if (timed != null) {
          timed.collect(v, r.timestamp());
        } else {
          out.collect(v);
        }
      }
      if (!list.isEmpty()) {
        ConsumerRecord<byte[], byte[]> last = list.get(list.size() - 1);
        position = "topic " + last.topic() + " partition " + last.partition() + " offset " + last.offset();
      }
    }
    return !finished();
  }

  /**
   * After {@code connectTimeout} without records, asks the brokers for the end offset: a consumer
   * only logs warnings while it cannot connect, so a broker gone for good would stall the job
   * silently. Fails with the unreachable message instead (the job's restart strategy applies).
   */
  private void checkReachable() throws IOException {
    long now = System.nanoTime();
    if (now - lastRecords < Duration.ofMillis(source.connectTimeoutMs).toNanos()) {
      return;
    }
    try {
      consumer.endOffsets(List.of(own), Duration.ofMillis(source.connectTimeoutMs));
      lastRecords = System.nanoTime();
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw source.unreachable(e);
    }
  }

  private static String raw(ConsumerRecord<byte[], byte[]> r) {
    byte[] v = r.value();
    if (v == null) {
      return "null";
    }
    return new String(v, 0, Math.min(v.length, 1024), StandardCharsets.UTF_8);
  }

  /** Whether every assigned partition has reached its stop offset (bounded sources only). */
  private boolean finished() {
    if (!source.boundedLatest) {
      return false;
    }
    for (TopicPartition tp : assigned) {
      if (consumer.position(tp) < stops.get(tp)) {
        return false;
      }
    }
    return true;
  }

  private void pause() {
    if (!paused) {
      consumer.pause(List.of(own));
      paused = true;
    }
  }

  /** Picks up partitions created since the job started that belong to this split. */
  private void discover() {
    nextDiscovery = System.nanoTime() + Duration.ofMillis(source.discoveryIntervalMs).toNanos();
    List<TopicPartition> found = new ArrayList<>();
    try {
      Map<String, List<PartitionInfo>> topics;
      if (source.topicPattern != null) {
        Pattern p = Pattern.compile(source.topicPattern);
        topics = new HashMap<>(consumer.listTopics(Duration.ofSeconds(5)));
        topics.keySet().removeIf(t -> !p.matcher(t).matches());
      } else {
        topics = new HashMap<>();
        for (String t : source.topics) {
          List<PartitionInfo> ps = consumer.partitionsFor(t, Duration.ofSeconds(5));
          topics.put(t, ps != null ? ps : List.of());
        }
      }
      for (Map.Entry<String, List<PartitionInfo>> e : topics.entrySet()) {
        for (PartitionInfo pi : e.getValue()) {
          TopicPartition tp = new TopicPartition(pi.topic(), pi.partition());
          if (split.isNew(tp.topic(), tp.partition()) && !assigned.contains(tp)
              && Math.floorMod(tp.topic().hashCode() * 31 + tp.partition(), split.count()) == split.index()) {
            found.add(tp);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("looking for new partitions of {} at {} failed, trying again later: {}", source.where(), source.bootstrap, e.toString());
      return;
    }
    if (found.isEmpty()) {
      return;
    }
    found.sort(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (TopicPartition tp : assigned) {
      positions.put(tp, consumer.position(tp));
    }
    assigned.addAll(found);
    for (TopicPartition tp : found) {
      stops.put(tp, Long.MAX_VALUE);
    }
    consumer.assign(assigned);
    positions.forEach(consumer::seek);
    consumer.seekToBeginning(found);
    LOG.info("split {} now also reads new partitions {}", split.id(), found);
  }

  @Override
  public String position() {
    return position;
  }

  @Override
  public KafkaPartitionSplit remainingSplit() {
    List<PartitionOffset> rest = new ArrayList<>(assigned.size());
    Map<TopicPartition, OffsetAndMetadata> commit = source.groupId != null ? new HashMap<>() : null;
    for (TopicPartition tp : assigned) {
      long pos = consumer.position(tp);
      rest.add(new PartitionOffset(tp.topic(), tp.partition(), pos, stops.get(tp)));
      if (commit != null) {
        commit.put(tp, new OffsetAndMetadata(pos));
      }
    }
    if (commit != null) {
      // The group only mirrors checkpointed positions, one checkpoint late (there is no
      // checkpoint-complete hook for sources); the checkpoint itself is what a restart uses.
      if (previousCheckpoint != null) {
        consumer.commitAsync(previousCheckpoint, null);
      }
      previousCheckpoint = commit;
    }
    return new KafkaPartitionSplit(split.index(), split.count(), rest, split.initialTopics(), split.initialCounts());
  }

  @Override
  public long offset() {
    if (!microBatch && assigned.size() > 1) {
      consumer.pause(assigned.subList(1, assigned.size()));
    }
    microBatch = true;
    if (assigned.size() > 1 && !warnedNewPartitions) {
      warnedNewPartitions = true;
      LOG.warn("split {} carries partitions picked up in streaming mode ({}); micro-batch mode reads only {}",
          split.id(), assigned.subList(1, assigned.size()), own);
    }
    return consumer.position(own);
  }

  @Override
  public long availableEnd() throws IOException {
    microBatch = true;
    try {
      long end = consumer.endOffsets(List.of(own), Duration.ofMillis(source.connectTimeoutMs)).get(own);
      maybeWarnNewPartitions();
      return Math.max(Math.min(end, stops.get(own)), consumer.position(own));
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw source.unreachable(e);
    }
  }

  private void maybeWarnNewPartitions() {
    if (warnedNewPartitions || split.index() != 0 || source.discoveryIntervalMs <= 0 || System.nanoTime() < nextDiscovery) {
      return;
    }
    nextDiscovery = System.nanoTime() + Duration.ofMillis(source.discoveryIntervalMs).toNanos();
    try {
      for (int i = 0; i < split.initialTopics().size(); i++) {
        List<PartitionInfo> ps = consumer.partitionsFor(split.initialTopics().get(i), Duration.ofSeconds(5));
        if (ps != null && ps.size() > split.initialCounts().get(i)) {
          warnedNewPartitions = true;
          LOG.warn("topic {} has {} partitions, {} when the job started: micro-batch mode reads only the partitions"
              + " found at start; run in streaming mode, or start a new job (new checkpoint directory) to read the new ones",
              split.initialTopics().get(i), ps.size(), split.initialCounts().get(i));
        }
      }
    } catch (RuntimeException e) {
      // only a warning; the next check tries again
    }
  }

  @Override
  public void readUntil(long end) {
    microBatch = true;
    until = end;
    if (paused && consumer.position(own) < end) {
      consumer.resume(List.of(own));
      paused = false;
    }
  }

  @Override
  public long bytesRead() {
    return bytesRead;
  }

  @Override
  public void close() {
    // A cancelled task closes its reader on an interrupted thread: close without the interrupt (the
    // consumer would log and throw), then restore it.
    boolean interrupted = Thread.interrupted();
    try {
      consumer.close(Duration.ofMillis(interrupted ? 0 : 1000));
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
