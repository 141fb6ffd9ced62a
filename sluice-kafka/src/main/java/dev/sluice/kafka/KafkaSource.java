package dev.sluice.kafka;

import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.kafka.KafkaPartitionSplit.PartitionOffset;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Reads Kafka topics. One split per topic partition found when the job starts (so one task per
 * partition, and per-partition watermarks), each read by its own {@code KafkaConsumer} with
 * {@code assign} (no consumer-group rebalancing) and {@code isolation.level=read_committed}. Records
 * carry their Kafka timestamp. Checkpoints store each partition's next offset ({@link
 * SplitReader#remainingSplit}); the consumer group, if one is set, receives the offsets of each
 * completed checkpoint ({@link SplitReader#notifyCheckpointComplete}) for monitoring and for {@link
 * StartingOffsets#committed}.
 *
 * <p>Partitions (and, for a pattern, topics) created after the job started are picked up by the
 * reader of split {@code hash(topic, partition) mod n} (n = the number of splits made at start) from
 * their first offset, every discovery interval and at once when a reader opens (so a job restored
 * from a checkpoint finds those created while it was down), and are tracked in that split's
 * checkpointed state. In micro-batch mode a new partition joins its split at the next batch, and the
 * offset log records where it starts and ends (see {@code KafkaSplitReader}). Bounded sources read
 * only the partitions found at start.
 *
 * <pre>{@code
 * KafkaSource<Click> src = KafkaSource.builder("localhost:9092", "clicks")
 *     .deserializer(KafkaDeserializers.json(Click.class))
 *     .startingOffsets(StartingOffsets.earliest())
 *     .build();
 * }</pre>
 *
 * Serializable (it travels with the plan); readers are used by one thread each.
 */
public final class KafkaSource<T> implements Source<T> {
  private static final long serialVersionUID = 1L;

  final String bootstrap;
  final List<String> topics;
  final String topicPattern;
  final KafkaDeserializer<T> deserializer;
  final StartingOffsets startingOffsets;
  final String groupId;
  final boolean boundedLatest;
  final HashMap<String, String> properties;
  final BadRecordPolicy badRecordPolicy;
  final long connectTimeoutMs;
  final long pollTimeoutMs;
  final long discoveryIntervalMs;

  private KafkaSource(Builder<T> b) {
    this.bootstrap = b.bootstrap;
    this.topics = List.copyOf(b.topics);
    this.topicPattern = b.topicPattern;
    this.deserializer = Objects.requireNonNull(b.deserializer, "deserializer: call .deserializer(...)");
    this.startingOffsets = b.startingOffsets;
    this.groupId = b.groupId;
    this.boundedLatest = b.stopping != null;
    this.properties = new HashMap<>(b.properties);
    this.badRecordPolicy = b.badRecordPolicy;
    this.connectTimeoutMs = b.connectTimeout.toMillis();
    this.pollTimeoutMs = b.pollTimeout.toMillis();
    this.discoveryIntervalMs = b.discoveryInterval.toMillis();
  }

  /** A builder for a source reading {@code topics} from the brokers at {@code bootstrapServers}. */
  @SuppressWarnings("unchecked")
  public static Builder<String> builder(String bootstrapServers, String... topics) {
    return (Builder<String>) (Builder<?>) new Builder<>(bootstrapServers, List.of(topics), null)
        .deserializer((KafkaDeserializer) KafkaDeserializers.string());
  }

  /** A builder for a source reading every topic whose name matches {@code topicPattern} (at job start). */
  @SuppressWarnings("unchecked")
  public static Builder<String> builderForPattern(String bootstrapServers, String topicPattern) {
    Pattern.compile(topicPattern);
    return (Builder<String>) (Builder<?>) new Builder<>(bootstrapServers, List.of(), topicPattern)
        .deserializer((KafkaDeserializer) KafkaDeserializers.string());
  }

  /** Configures a {@link KafkaSource}. Not thread-safe. */
  public static final class Builder<T> {
    private final String bootstrap;
    private final List<String> topics;
    private final String topicPattern;
    private KafkaDeserializer<T> deserializer;
    private StartingOffsets startingOffsets = StartingOffsets.earliest();
    private String groupId;
    private StoppingOffsets stopping;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private BadRecordPolicy badRecordPolicy = BadRecordPolicy.FAIL;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration pollTimeout = Duration.ofMillis(50);
    private Duration discoveryInterval = Duration.ofSeconds(10);

    Builder(String bootstrap, List<String> topics, String topicPattern) {
      if (bootstrap == null || bootstrap.isBlank()) {
        throw new IllegalArgumentException("bootstrap servers must be given, e.g. localhost:9092");
      }
      if (topicPattern == null && topics.isEmpty()) {
        throw new IllegalArgumentException("at least one topic must be given");
      }
      this.bootstrap = bootstrap;
      this.topics = topics;
      this.topicPattern = topicPattern;
    }

    /** How values become records (default: UTF-8 strings). */
    @SuppressWarnings("unchecked")
    public <R> Builder<R> deserializer(KafkaDeserializer<R> d) {
      Builder<R> self = (Builder<R>) this;
      self.deserializer = Objects.requireNonNull(d, "deserializer");
      return self;
    }

    public Builder<T> startingOffsets(StartingOffsets s) {
      this.startingOffsets = Objects.requireNonNull(s, "startingOffsets");
      return this;
    }

    /** The consumer group: where {@link StartingOffsets#committed} reads, and where checkpointed offsets are reported. */
    public Builder<T> groupId(String id) {
      this.groupId = id;
      return this;
    }

    /** Makes the source bounded: it stops at {@code stop}. */
    public Builder<T> bounded(StoppingOffsets stop) {
      this.stopping = Objects.requireNonNull(stop, "stop");
      return this;
    }

    /** Further consumer settings (e.g. {@code security.protocol}, {@code fetch.max.bytes}). */
    public Builder<T> properties(Map<String, String> props) {
      properties.putAll(props);
      return this;
    }

    public Builder<T> property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public Builder<T> badRecordPolicy(BadRecordPolicy p) {
      this.badRecordPolicy = Objects.requireNonNull(p, "badRecordPolicy");
      return this;
    }

    /** How long the job waits for the brokers at start before failing (default 30 s). */
    public Builder<T> connectTimeout(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive, was " + d);
      }
      this.connectTimeout = d;
      return this;
    }

    /** The longest a reader's {@code read} waits for records (default 50 ms). */
    public Builder<T> pollTimeout(Duration d) {
      this.pollTimeout = d;
      return this;
    }

    /**
     * How often a reader looks for new partitions and, for a pattern, new topics (default 10 s; zero:
     * never). Each reader also looks once when it opens; micro-batch readers look at the first batch
     * planned after the interval has passed.
     */
    public Builder<T> partitionDiscoveryInterval(Duration d) {
      this.discoveryInterval = d;
      return this;
    }

    public KafkaSource<T> build() {
      if (startingOffsets.kind == StartingOffsets.Kind.COMMITTED && groupId == null) {
        throw new IllegalArgumentException("StartingOffsets.committed needs a consumer group: call .groupId(...)");
      }
      return new KafkaSource<>(this);
    }
  }

  @Override
  public boolean bounded() {
    return boundedLatest;
  }

  @Override
  public BadRecordPolicy badRecordPolicy() {
    return badRecordPolicy;
  }

  @Override
  public String name() {
    return "kafka(" + (topicPattern != null ? "/" + topicPattern + "/" : String.join(",", topics)) + ")";
  }

  String where() {
    return topicPattern != null ? "topics matching " + topicPattern : (topics.size() == 1 ? "topic " + topics.get(0)
        : "topics " + String.join(", ", topics));
  }

  Map<String, Object> adminConfig() {
    Map<String, Object> c = new HashMap<>(properties);
    c.keySet().removeIf(k -> k.startsWith("fetch.") || k.startsWith("max.poll") || k.equals("isolation.level"));
    c.put("bootstrap.servers", bootstrap);
    int timeout = (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs);
    c.put("default.api.timeout.ms", timeout);
    c.put("request.timeout.ms", Math.min(timeout, 15_000));
    c.put("client.id", "sluice-kafka-source-admin");
    return c;
  }

  IOException unreachable(Exception cause) {
    return new IOException("cannot reach Kafka at " + bootstrap + " within " + connectTimeoutMs / 1000.0
        + " s (" + cause.getMessage() + "): check --kafka / bootstrap servers", cause);
  }

  /** The partition counts of the topics read, in name order; fails naming a missing topic. */
  TreeMap<String, Integer> describe(Admin admin) throws IOException {
    try {
      long t = connectTimeoutMs;
      admin.describeCluster().nodes().get(t, java.util.concurrent.TimeUnit.MILLISECONDS);
      List<String> names = topics;
      if (topicPattern != null) {
        Pattern p = Pattern.compile(topicPattern);
        names = admin.listTopics().names().get(t, java.util.concurrent.TimeUnit.MILLISECONDS).stream()
            .filter(n -> p.matcher(n).matches()).sorted().toList();
        if (names.isEmpty()) {
          throw new IOException("no Kafka topic at " + bootstrap + " matches " + topicPattern
              + ": create one or check the pattern");
        }
      }
      TreeMap<String, Integer> counts = new TreeMap<>();
      for (String name : names) {
        try {
          List<TopicPartitionInfo> parts = admin.describeTopics(List.of(name)).allTopicNames()
              .get(t, java.util.concurrent.TimeUnit.MILLISECONDS).get(name).partitions();
          counts.put(name, parts.size());
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
            throw new IOException("Kafka topic " + name + " does not exist at " + bootstrap
                + ": create it or check the topic name");
          }
          throw e;
        }
      }
      return counts;
    } catch (java.util.concurrent.TimeoutException e) {
      throw unreachable(e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw unreachable((Exception) e.getCause());
      }
      throw new IOException("cannot read the topics of Kafka at " + bootstrap + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to Kafka at " + bootstrap, e);
    }
  }

  @Override
  public List<? extends SourceSplit> splits(int parallelism) throws IOException {
    try (Admin admin = Admin.create(adminConfig())) {
      TreeMap<String, Integer> counts = describe(admin);
      List<TopicPartition> all = new ArrayList<>();
      counts.forEach((t, n) -> {
        for (int p = 0; p < n; p++) {
          all.add(new TopicPartition(t, p));
        }
      });
      Map<TopicPartition, Long> start = startOffsets(admin, all, startingOffsets);
      Map<TopicPartition, Long> stop = boundedLatest ? listOffsets(admin, all, OffsetSpec.latest()) : Map.of();
      List<String> initialTopics = List.copyOf(counts.keySet());
      List<Integer> initialCounts = List.copyOf(counts.values());
      List<KafkaPartitionSplit> splits = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        TopicPartition tp = all.get(i);
        long end = boundedLatest ? stop.get(tp) : Long.MAX_VALUE;
        long from = start.get(tp);
        splits.add(new KafkaPartitionSplit(i, all.size(),
            List.of(new PartitionOffset(tp.topic(), tp.partition(), boundedLatest ? Math.min(from, end) : from, end)),
            initialTopics, initialCounts));
      }
      return splits;
    }
  }

  private Map<TopicPartition, Long> startOffsets(Admin admin, List<TopicPartition> all, StartingOffsets s) throws IOException {
    return switch (s.kind) {
      case EARLIEST -> listOffsets(admin, all, OffsetSpec.earliest());
      case LATEST -> listOffsets(admin, all, OffsetSpec.latest());
      case TIMESTAMP -> {
        Map<TopicPartition, Long> at = listOffsets(admin, all, OffsetSpec.forTimestamp(s.timestamp));
        Map<TopicPartition, Long> end = listOffsets(admin, all, OffsetSpec.latest());
        Map<TopicPartition, Long> r = new HashMap<>();
        for (TopicPartition tp : all) {
          long o = at.get(tp);
          r.put(tp, o >= 0 ? o : end.get(tp));
        }
        yield r;
      }
      case COMMITTED -> {
        Map<TopicPartition, Long> fallback = startOffsets(admin, all, s.fallback);
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
          committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
              .get(connectTimeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          throw new IOException("cannot read the committed offsets of consumer group " + groupId + " at "
              + bootstrap + ": " + e, e);
        }
        Map<TopicPartition, Long> r = new HashMap<>(fallback);
        committed.forEach((tp, om) -> {
          if (om != null && r.containsKey(tp)) {
            r.put(tp, om.offset());
          }
        });
        yield r;
      }
    };
  }

  private Map<TopicPartition, Long> listOffsets(Admin admin, List<TopicPartition> all, OffsetSpec spec) throws IOException {
    Map<TopicPartition, OffsetSpec> req = new HashMap<>();
    for (TopicPartition tp : all) {
      req.put(tp, spec);
    }
    try {
      Map<TopicPartition, Long> r = new HashMap<>();
      admin.listOffsets(req, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(connectTimeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)
          .forEach((tp, info) -> r.put(tp, info.offset()));
      return r;
    } catch (java.util.concurrent.TimeoutException e) {
      throw unreachable(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("cannot list the offsets of " + where() + " at " + bootstrap + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while listing offsets at " + bootstrap, e);
    }
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) throws IOException {
    return new KafkaSplitReader<>(this, (KafkaPartitionSplit) split, context);
  }
}
