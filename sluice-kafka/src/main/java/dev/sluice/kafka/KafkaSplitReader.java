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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
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
 * what {@link #remainingSplit} reports. Used by one thread.
 *
 * <p>Design note (new partitions, micro-batch mode). A split owns one partition and carries the
 * partitions created after the job started that the hash rule gives it ({@code floorMod(hash(topic) *
 * 31 + partition, n)}). Its micro-batch offset is the <em>sum</em> of the positions of the partitions
 * it reads, so it grows as any of them is read and equals the restored split's sum after a restart.
 * One long cannot say where each partition stops, so {@link #availableDetail} reports each
 * partition's available end, and partitions discovered since the last batch with the offset they
 * start at ({@code topic:partition:end[:start]}, comma-separated); the planner writes it to the offset
 * log with the range and hands it back to {@link #readUntil(long, String)}, which starts reading the
 * new partitions (they join the split there, and its checkpoint carries them from then on) and
 * shares the range's length out over the partitions by water-filling in the detail's order: a
 * deterministic function of the positions, the detail and the end, so a replayed batch reads
 * exactly the same records. A split with one partition and none pending reports no detail (the end is
 * its partition's offset, as before).
 */
final class KafkaSplitReader<T> implements SplitReader<T> {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSplitReader.class);
  /** Snapshots kept for {@link #notifyCheckpointComplete} (older ones are dropped: their checkpoints failed). */
  private static final int KEPT_SNAPSHOTS = 16;

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
  private boolean microBatch;
  /** Micro-batch mode: the current batch's end per assigned partition (null before the first batch). */
  private Map<TopicPartition, Long> untils;
  /** Micro-batch mode: the current batch's end as planned (the sum of {@link #untils}). */
  private long batchEnd;
  /** Micro-batch mode: partitions discovered, not read yet, with the offset they will start at. */
  private final LinkedHashMap<TopicPartition, Long> pending = new LinkedHashMap<>();
  /** Micro-batch mode: what the last availableEnd saw, per assigned and pending partition. */
  private final LinkedHashMap<TopicPartition, Long> lastAvailable = new LinkedHashMap<>();
  private final List<TopicPartition> paused = new ArrayList<>();
  private long nextDiscovery;
  /** When a poll last returned records (or the brokers last answered). */
  private long lastRecords = System.nanoTime();
  /** Consumer group reporting: the positions each checkpoint stored, until it completes. */
  private final TreeMap<Long, Map<TopicPartition, OffsetAndMetadata>> snapshots = new TreeMap<>();
  private boolean warnedCommit;
  /** Retries of a commit that failed with a retriable error (the coordinator not available yet, say). */
  private static final int COMMIT_RETRIES = 20;
  private long commitSeq;
  private Map<TopicPartition, OffsetAndMetadata> retry;
  private long retryCheckpoint;
  private int retryAttempt;
  private long lastRetry;

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
    // The first look for new partitions comes at once: a restored split finds those created while the job was down.
    this.nextDiscovery = System.nanoTime();
  }

  private boolean discoveryDue() {
    return !source.boundedLatest && source.discoveryIntervalMs > 0 && System.nanoTime() - nextDiscovery >= 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public boolean read(Collector<? super T> out) throws IOException {
    if (finished()) {
      return false;
    }
    if (retry != null) {
      retryCommit();
    }
    if (microBatch) {
      if (!pauseReached()) {
        return true; // this batch's end is reached everywhere
      }
    } else if (discoveryDue()) {
      List<TopicPartition> found = discover();
      if (!found.isEmpty()) {
        join(found, null);
      }
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
    Map<TopicPartition, Long> limits = microBatch ? untils : null;
    for (TopicPartition tp : records.partitions()) {
      long stop = stops.get(tp);
      if (limits != null) {
        stop = Math.min(stop, limits.getOrDefault(tp, 0L));
      }
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
   * Micro-batch mode: pauses the partitions that reached this batch's end, resumes the others;
   * false if every partition has reached it.
   */
  private boolean pauseReached() {
    boolean any = false;
    List<TopicPartition> pause = null;
    List<TopicPartition> resume = null;
    for (int i = 0, n = assigned.size(); i < n; i++) {
      TopicPartition tp = assigned.get(i);
      boolean reached = untils == null || consumer.position(tp) >= untils.getOrDefault(tp, 0L);
      boolean isPaused = paused.contains(tp);
      if (reached && !isPaused) {
        (pause == null ? pause = new ArrayList<>() : pause).add(tp);
      } else if (!reached && isPaused) {
        (resume == null ? resume = new ArrayList<>() : resume).add(tp);
      }
      any |= !reached;
    }
    if (pause != null) {
      consumer.pause(pause);
      paused.addAll(pause);
    }
    if (resume != null) {
      consumer.resume(resume);
      paused.removeAll(resume);
    }
    return any;
  }

  /** Micro-batch mode: whether every partition has reached this batch's end. */
  private boolean reached() {
    if (untils == null) {
      return true;
    }
    for (int i = 0, n = assigned.size(); i < n; i++) {
      TopicPartition tp = assigned.get(i);
      if (consumer.position(tp) < untils.getOrDefault(tp, 0L)) {
        return false;
      }
    }
    return true;
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

  /**
   * Partitions (and, for a pattern, topics) created since the job started that belong to this split
   * and are neither read nor pending yet, in topic and partition order. Failures are logged: the
   * next interval tries again.
   */
  private List<TopicPartition> discover() {
    nextDiscovery = System.nanoTime() + Duration.ofMillis(source.discoveryIntervalMs).toNanos();
    List<TopicPartition> found = new ArrayList<>();
    try {
      // listTopics asks the brokers; partitionsFor would answer from the consumer's cached metadata,
      // which does not see new partitions of a topic it reads until metadata.max.age.ms (5 min)
      Map<String, List<PartitionInfo>> topics = new HashMap<>(consumer.listTopics(Duration.ofSeconds(5)));
      if (source.topicPattern != null) {
        Pattern p = Pattern.compile(source.topicPattern);
        topics.keySet().removeIf(t -> !p.matcher(t).matches());
      } else {
        topics.keySet().retainAll(source.topics);
      }
      for (Map.Entry<String, List<PartitionInfo>> e : topics.entrySet()) {
        for (PartitionInfo pi : e.getValue()) {
          TopicPartition tp = new TopicPartition(pi.topic(), pi.partition());
          if (split.isNew(tp.topic(), tp.partition()) && !assigned.contains(tp) && !pending.containsKey(tp)
              && Math.floorMod(tp.topic().hashCode() * 31 + tp.partition(), split.count()) == split.index()) {
            found.add(tp);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("looking for new partitions of {} at {} failed, trying again later: {}", source.where(), source.bootstrap, e.toString());
      return List.of();
    }
    found.sort(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    return found;
  }

  /**
   * Starts reading {@code found} (from {@code starts}, or from their beginning if null), keeping the
   * positions of the partitions read so far.
   */
  private void join(List<TopicPartition> found, Map<TopicPartition, Long> starts) {
    for (TopicPartition tp : found) {
      pending.remove(tp);
    }
    assigned.addAll(found);
    for (TopicPartition tp : found) {
      stops.put(tp, Long.MAX_VALUE);
    }
    reassign();
    if (starts == null) {
      consumer.seekToBeginning(found);
    } else {
      for (TopicPartition tp : found) {
        consumer.seek(tp, starts.get(tp));
      }
    }
    consumer.resume(found); // pending partitions wait paused
    LOG.info("split {} now also reads new partitions {}", split.id(), found);
  }

  /**
   * Assigns the partitions read and the pending ones (paused, at their start: the consumer then
   * reports their end offsets like any other), keeping the positions of those assigned before.
   */
  private void reassign() {
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      positions.put(tp, consumer.position(tp));
    }
    List<TopicPartition> all = new ArrayList<>(assigned);
    all.addAll(pending.keySet());
    consumer.assign(all);
    positions.forEach((tp, pos) -> {
      if (all.contains(tp)) {
        consumer.seek(tp, pos);
      }
    });
    for (Map.Entry<TopicPartition, Long> e : pending.entrySet()) {
      if (!positions.containsKey(e.getKey()) && e.getValue() >= 0) {
        consumer.seek(e.getKey(), e.getValue());
      }
    }
    if (!pending.isEmpty()) {
      consumer.pause(pending.keySet());
    }
    if (!paused.isEmpty()) {
      consumer.pause(paused);
    }
  }

  @Override
  public String position() {
    return position;
  }

  @Override
  public KafkaPartitionSplit remainingSplit() {
    List<PartitionOffset> rest = new ArrayList<>(assigned.size());
    for (TopicPartition tp : assigned) {
      rest.add(new PartitionOffset(tp.topic(), tp.partition(), consumer.position(tp), stops.get(tp)));
    }
    return new KafkaPartitionSplit(split.index(), split.count(), rest, split.initialTopics(), split.initialCounts());
  }

  @Override
  public KafkaPartitionSplit remainingSplit(long checkpointId) {
    KafkaPartitionSplit rest = remainingSplit();
    if (source.groupId != null) {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (PartitionOffset po : rest.partitions()) {
        offsets.put(new TopicPartition(po.topic(), po.partition()), new OffsetAndMetadata(po.offset()));
      }
      snapshots.put(checkpointId, offsets);
      while (snapshots.size() > KEPT_SNAPSHOTS) {
        snapshots.pollFirstEntry();
      }
    }
    return rest;
  }

  /**
   * Commits the positions checkpoint {@code checkpointId} stored to the consumer group,
   * asynchronously (for lag monitoring and {@link StartingOffsets#committed}; restores use the
   * checkpoint). A failed commit is logged, never fails the job; a retriable failure of the latest
   * commit is retried at the next reads or micro-batch asks, and a later checkpoint commits anew.
   */
  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    Map<TopicPartition, OffsetAndMetadata> offsets = snapshots.get(checkpointId);
    snapshots.headMap(checkpointId, true).clear();
    if (offsets != null) {
      commit(checkpointId, offsets, 0);
    }
  }

  private void commit(long checkpointId, Map<TopicPartition, OffsetAndMetadata> offsets, int attempt) {
    long seq = ++commitSeq;
    retry = null;
    try {
      consumer.commitAsync(offsets, (committed, e) -> {
        if (e == null) {
          warnedCommit = false;
          return;
        }
        boolean retriable = e instanceof org.apache.kafka.common.errors.RetriableException;
        if (retriable && seq != commitSeq) {
          return; // a later checkpoint's commit has gone out meanwhile
        }
        if (retriable && attempt < COMMIT_RETRIES) {
          // e.g. the group coordinator not available yet at the first commit: try again soon
          retryCheckpoint = checkpointId;
          retryAttempt = attempt + 1;
          retry = offsets;
          return;
        }
        if (!warnedCommit) {
          warnedCommit = true; // once until a commit succeeds again
          LOG.warn("could not report the offsets of checkpoint {} of {} to consumer group {} at {} (lag monitoring"
              + " only; the job goes on and later checkpoints try again): {}", checkpointId, split.id(), source.groupId,
              source.bootstrap, e.toString());
        }
      });
    } catch (RuntimeException e) {
      LOG.warn("could not report the offsets of checkpoint {} of {} to consumer group {}: {}", checkpointId, split.id(),
          source.groupId, e.toString());
    }
  }

  /** Sends a commit again that failed with a retriable error (callbacks run on this thread, in consumer calls). */
  private void retryCommit() {
    Map<TopicPartition, OffsetAndMetadata> r = retry;
    if (r != null && System.nanoTime() - lastRetry > 200_000_000L) {
      lastRetry = System.nanoTime();
      commit(retryCheckpoint, r, retryAttempt);
    }
  }

  // ---------------------------------------------------------------- micro-batch mode

  /** The sum of the positions of the partitions read, clamped below the batch's end until every one has reached its own. */
  @Override
  public long offset() {
    microBatch = true;
    long sum = 0;
    for (int i = 0, n = assigned.size(); i < n; i++) {
      sum += consumer.position(assigned.get(i));
    }
    if (untils != null && sum >= batchEnd && !reached()) {
      // a partition skipped past its end (a transaction marker) while another has not reached its own
      return batchEnd - 1;
    }
    return sum;
  }

  @Override
  public long availableEnd() throws IOException {
    microBatch = true;
    if (retry != null) {
      retryCommit();
    }
    if (discoveryDue()) {
      List<TopicPartition> found = discover();
      if (!found.isEmpty()) {
        try {
          for (TopicPartition tp : found) {
            pending.put(tp, -1L);
          }
          reassign();
          consumer.seekToBeginning(found);
          for (TopicPartition tp : found) {
            pending.put(tp, consumer.position(tp, Duration.ofMillis(source.connectTimeoutMs)));
          }
          LOG.info("split {} reads new partitions {} from the next batch on", split.id(), found);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          throw source.unreachable(e);
        }
      }
    }
    List<TopicPartition> all = new ArrayList<>(assigned.size() + pending.size());
    all.addAll(assigned);
    all.addAll(pending.keySet());
    Map<TopicPartition, Long> ends;
    try {
      ends = consumer.endOffsets(all, Duration.ofMillis(source.connectTimeoutMs));
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw source.unreachable(e);
    }
    lastAvailable.clear();
    long sum = 0;
    for (TopicPartition tp : assigned) {
      long a = Math.max(Math.min(ends.get(tp), stops.get(tp)), consumer.position(tp));
      lastAvailable.put(tp, a);
      sum += a;
    }
    for (Map.Entry<TopicPartition, Long> e : pending.entrySet()) {
      long a = Math.max(ends.get(e.getKey()), e.getValue());
      lastAvailable.put(e.getKey(), a);
      sum += a;
    }
    return sum;
  }

  /** {@code topic:partition:end} per partition read, {@code topic:partition:end:start} per one to start; null for one partition alone. */
  @Override
  public String availableDetail() {
    if (assigned.size() == 1 && pending.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<TopicPartition, Long> e : lastAvailable.entrySet()) {
      TopicPartition tp = e.getKey();
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(tp.topic()).append(':').append(tp.partition()).append(':').append(e.getValue());
      Long start = pending.get(tp);
      if (start != null) {
        b.append(':').append(start);
      }
    }
    return b.toString();
  }

  @Override
  public void readUntil(long end) {
    readUntil(end, null);
  }

  @Override
  public void readUntil(long end, String detail) {
    microBatch = true;
    Map<TopicPartition, Long> limit = new HashMap<>();
    if (detail == null) {
      if (assigned.size() != 1) {
        throw new IllegalStateException("a micro-batch range of Kafka " + split.id() + " has no detail, but the split"
            + " reads " + assigned.size() + " partitions " + assigned + " (offset log written by another version?)");
      }
      limit.put(own, end);
    } else {
      // topic:partition:available[:start], in the order the planning reader listed them
      List<TopicPartition> order = new ArrayList<>();
      Map<TopicPartition, Long> available = new HashMap<>();
      List<TopicPartition> toJoin = new ArrayList<>();
      Map<TopicPartition, Long> starts = new HashMap<>();
      for (String entry : detail.split(",")) {
        String[] w = entry.split(":");
        TopicPartition tp;
        try {
          tp = new TopicPartition(w[0], Integer.parseInt(w[1]));
          available.put(tp, Long.parseLong(w[2]));
          if (w.length == 4) {
            starts.put(tp, Long.parseLong(w[3]));
          } else if (w.length != 3) {
            throw new IllegalArgumentException("expected topic:partition:end[:start]");
          }
        } catch (RuntimeException e) {
          throw new IllegalStateException("cannot read the micro-batch detail '" + detail + "' of Kafka " + split.id()
              + " at '" + entry + "': " + e.getMessage(), e);
        }
        order.add(tp);
        if (w.length == 4 && !assigned.contains(tp)) {
          toJoin.add(tp);
        } else if (w.length == 3 && !assigned.contains(tp)) {
          throw new IllegalStateException("the micro-batch plan of Kafka " + split.id() + " reads " + tp
              + ", which this split does not hold: the offset log does not belong to this checkpoint");
        }
      }
      if (!toJoin.isEmpty()) {
        join(toJoin, starts);
      }
      // Water-filling: the range's length shared out so that every partition gets its need or an equal share.
      int n = order.size();
      long[] pos = new long[n];
      long[] need = new long[n];
      long budget = end;
      for (int i = 0; i < n; i++) {
        pos[i] = consumer.position(order.get(i));
        need[i] = Math.max(0, available.get(order.get(i)) - pos[i]);
        budget -= pos[i];
      }
      for (TopicPartition tp : assigned) {
        if (!available.containsKey(tp)) {
          budget -= consumer.position(tp);
        }
      }
      long total = 0;
      for (long x : need) {
        total += x;
      }
      if (budget > total) {
        // the positions are not those the batch was planned at: reading on would never reach the end
        throw new IllegalStateException("the micro-batch range of Kafka " + split.id() + " ends at " + end + ", "
            + (budget - total) + " beyond what its partitions held when it was planned (" + detail + " from positions "
            + remainingSplit().partitions() + "): the offset log does not belong to this checkpoint");
      }
      long[] share = waterFill(need, Math.max(0, budget));
      for (int i = 0; i < n; i++) {
        limit.put(order.get(i), pos[i] + share[i]);
      }
    }
    for (TopicPartition tp : assigned) {
      limit.putIfAbsent(tp, consumer.position(tp)); // not in the plan: nothing of it in this batch
    }
    untils = limit;
    batchEnd = end;
    pauseReached();
  }

  /** Shares {@code budget} out over {@code need}: each gets its need or an equal share of what is left, smallest needs first. */
  static long[] waterFill(long[] need, long budget) {
    int n = need.length;
    long[] share = new long[n];
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, java.util.Comparator.comparingLong((Integer i) -> need[i]).thenComparingInt(i -> i));
    long left = budget;
    for (int k = 0; k < n; k++) {
      int i = idx[k];
      long s = Math.min(need[i], left / (n - k));
      share[i] = s;
      left -= s;
    }
    for (int i = 0; i < n && left > 0; i++) {
      long more = Math.min(need[i] - share[i], left); // integer division leftovers, in order
      share[i] += more;
      left -= more;
    }
    return share;
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
