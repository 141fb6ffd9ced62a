package dev.sluice.kafka;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records to one Kafka topic, at least once or exactly once ({@link DeliveryGuarantee}).
 *
 * <p>Exactly once: every writer (task) writes each checkpoint's records in one Kafka transaction,
 * flushed at the checkpoint barrier ({@code prepareCommit}) and committed by {@link #commit} once the
 * checkpoint is complete. Transactional ids are {@code <prefix>-<writer>-<n>}, {@code n} the smallest
 * number not held by the writer's open or prepared transactions, so the next checkpoint's transaction
 * starts while the previous one awaits its commit and the set of ids stays small. On a restart
 * {@link #recover} commits the restored checkpoint's transactions (resuming them by producer id and
 * epoch in a new process, see {@code Transactions}) and aborts every other transaction whose id
 * starts with the prefix ({@code Admin.listTransactions}, then fencing by {@code initTransactions}).
 * The prefix must be unique per job and stable across its restarts (default {@code sluice-<topic>}).
 * Prepared transactions must be committed within the transaction timeout (default 15 min, the
 * broker's default maximum): a job down for longer loses its last checkpoint's output, and its
 * restore fails naming the transaction (under Kafka transactions v2; under v1 a WARN says the output
 * cannot be verified, see {@code stillOpen}).
 *
 * <p>Serializable (it travels with the plan); writers are used by one thread each.
 */
public final class KafkaSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

  final String bootstrap;
  final String topic;
  final KafkaSerializer<? super T> serializer;
  final KafkaSerializer<? super T> key;
  final KafkaPartitioner<? super T> partitioner;
  final DeliveryGuarantee guarantee;
  final String prefix;
  final HashMap<String, String> properties;
  final long connectTimeoutMs;

  private KafkaSink(Builder<T> b) {
    this.bootstrap = b.bootstrap;
    this.topic = b.topic;
    this.serializer = b.serializer;
    this.key = b.key;
    this.partitioner = b.partitioner;
    this.guarantee = b.guarantee;
    this.prefix = b.prefix != null ? b.prefix : "sluice-" + b.topic;
    this.properties = new HashMap<>(b.properties);
    this.connectTimeoutMs = b.connectTimeout.toMillis();
  }

  /** A builder for a sink writing to {@code topic} at {@code bootstrapServers}; values as UTF-8 text by default. */
  public static <T> Builder<T> builder(String bootstrapServers, String topic) {
    return new Builder<>(bootstrapServers, topic);
  }

  /** Configures a {@link KafkaSink}. Not thread-safe. */
  public static final class Builder<T> {
    private final String bootstrap;
    private final String topic;
    private KafkaSerializer<? super T> serializer = KafkaSerializers.string();
    private KafkaSerializer<? super T> key;
    private KafkaPartitioner<? super T> partitioner;
    private DeliveryGuarantee guarantee = DeliveryGuarantee.AT_LEAST_ONCE;
    private String prefix;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private Duration connectTimeout = Duration.ofSeconds(30);

    Builder(String bootstrap, String topic) {
      if (bootstrap == null || bootstrap.isBlank()) {
        throw new IllegalArgumentException("bootstrap servers must be given, e.g. localhost:9092");
      }
      this.bootstrap = bootstrap;
      this.topic = Objects.requireNonNull(topic, "topic");
    }

    /** How records become values (default: {@code String.valueOf} as UTF-8). */
    public Builder<T> serializer(KafkaSerializer<? super T> s) {
      this.serializer = Objects.requireNonNull(s, "serializer");
      return this;
    }

    /** The record's key (bytes); records with the same key go to the same partition unless a partitioner is set. */
    public Builder<T> key(KafkaSerializer<? super T> k) {
      this.key = k;
      return this;
    }

    public Builder<T> partitioner(KafkaPartitioner<? super T> p) {
      this.partitioner = p;
      return this;
    }

    public Builder<T> deliveryGuarantee(DeliveryGuarantee g) {
      this.guarantee = Objects.requireNonNull(g, "deliveryGuarantee");
      return this;
    }

    /** The prefix of the transactional ids (exactly once): unique per job, stable across its restarts. */
    public Builder<T> transactionalIdPrefix(String p) {
      this.prefix = Objects.requireNonNull(p, "prefix");
      return this;
    }

    /** Further producer settings ({@code linger.ms}, {@code compression.type}, security...). */
    public Builder<T> properties(Map<String, String> props) {
      properties.putAll(props);
      return this;
    }

    public Builder<T> property(String k, String v) {
      properties.put(k, v);
      return this;
    }

    public Builder<T> connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public KafkaSink<T> build() {
      return new KafkaSink<>(this);
    }
  }

  @Override
  public String name() {
    return "kafka(" + topic + ")";
  }

  @Override
  public boolean supportsCheckpoints() {
    return true;
  }

  Map<String, Object> producerConfig(String transactionalId) {
    Map<String, Object> c = new HashMap<>();
    c.put("linger.ms", 20);
    c.put("batch.size", 512 * 1024);
    c.put("buffer.memory", 128L << 20);
    c.put("max.request.size", 8 << 20);
    c.put("acks", "all");
    c.putAll(properties);
    c.put("bootstrap.servers", bootstrap);
    c.put("key.serializer", ByteArraySerializer.class.getName());
    c.put("value.serializer", ByteArraySerializer.class.getName());
    c.put("max.block.ms", (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs));
    c.put("enable.idempotence", "true");
    if (transactionalId != null) {
      c.put("transactional.id", transactionalId);
      c.putIfAbsent("transaction.timeout.ms", 15 * 60 * 1000);
    }
    return c;
  }

  KafkaProducer<byte[], byte[]> producer(String transactionalId) {
    return new KafkaProducer<>(producerConfig(transactionalId));
  }

  private Admin admin() {
    Map<String, Object> c = new HashMap<>(properties);
    c.keySet().removeIf(k -> !k.startsWith("security.") && !k.startsWith("sasl.") && !k.startsWith("ssl."));
    c.put("bootstrap.servers", bootstrap);
    int timeout = (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs);
    c.put("default.api.timeout.ms", timeout);
    c.put("request.timeout.ms", Math.min(timeout, 15_000));
    return Admin.create(c);
  }

  private IOException unreachable(Exception cause) {
    return new IOException("cannot reach Kafka at " + bootstrap + " within " + connectTimeoutMs / 1000.0 + " s ("
        + cause.getMessage() + "): check --kafka / bootstrap servers", cause);
  }

  /** Checks the topic exists; fails naming it (or the unreachable brokers). */
  private void checkTopic(Admin admin) throws IOException {
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get(connectTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
        throw new IOException("Kafka topic " + topic + " does not exist at " + bootstrap + ": create it or check the topic name");
      }
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException t) {
        throw unreachable(t);
      }
      throw new IOException("cannot describe Kafka topic " + topic + " at " + bootstrap + ": " + e.getCause(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to Kafka at " + bootstrap, e);
    }
  }

  @Override
  public void open(int parallelism) throws IOException {
    try (Admin admin = admin()) {
      checkTopic(admin);
      if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
        abortLingering(admin, Set.of());
      }
    }
  }

  @Override
  public SinkWriter<T> writer(WriterContext context) throws IOException {
    return guarantee == DeliveryGuarantee.EXACTLY_ONCE
        ? new KafkaSinkWriter.Transactional<>(this, context)
        : new KafkaSinkWriter.AtLeastOnce<>(this, context);
  }

  @Override
  public void commit(List<Object> committables) throws IOException {
    // A commit call means a checkpoint later than those of the producers deferred so far is complete.
    List<Runnable> ready = Transactions.DEFERRED.remove(prefix);
    List<Runnable> released = new ArrayList<>();
    try {
      for (Object o : committables) {
        if (o instanceof KafkaCommittable c) {
          commit(c, released);
        }
      }
    } finally {
      if (!released.isEmpty()) {
        Transactions.DEFERRED.merge(prefix, released, (a, b) -> {
          List<Runnable> all = new ArrayList<>(a);
          all.addAll(b);
          return all;
        });
      }
      if (ready != null) {
        ready.forEach(Runnable::run);
      }
    }
  }

  private void commit(KafkaCommittable c, List<Runnable> released) throws IOException {
    // Take the live producer only if it holds this very transaction: a newer transaction of the same
    // id (same id, other producer id or epoch) stays in the registry, to be committed or aborted later.
    Transactions.Pending live = Transactions.LIVE.get(c.transactionalId());
    if (live != null && live.producerId() == c.producerId() && live.epoch() == c.epoch()
        && Transactions.LIVE.remove(c.transactionalId(), live)) {
      try {
        live.producer().commitTransaction();
      } catch (KafkaException e) {
        throw new IOException("cannot commit Kafka transaction " + c.transactionalId() + " at " + bootstrap + ": " + e, e);
      }
      Transactions.committed(c);
      released.add(live.release());
      return;
    }
    if (Transactions.COMMITTED.containsKey(Transactions.key(c))) {
      return; // committed by this process already
    }
    // Not in this process (a crash between the checkpoint and its commit): resume and commit it,
    // if the broker still holds it open.
    if (!stillOpen(c)) {
      return;
    }
    try (KafkaProducer<byte[], byte[]> p = producer(c.transactionalId())) {
      Transactions.resume(p, c.producerId(), c.epoch());
      p.commitTransaction();
      Transactions.committed(c);
      LOG.info("committed Kafka transaction {} (producer id {}, epoch {}) of a previous run", c.transactionalId(),
          c.producerId(), c.epoch());
    } catch (ProducerFencedException | InvalidProducerEpochException | InvalidTxnStateException e) {
      // The transaction ended between the check and the commit: look again at what became of it
      // (committed: logged; aborted: fails; unclear: the WARN), rather than taking it for committed.
      LOG.info("Kafka transaction {} (producer id {}, epoch {}) ended before its resumed commit: {}", c.transactionalId(),
          c.producerId(), c.epoch(), e.toString());
      if (stillOpen(c)) {
        throw new IOException("cannot commit Kafka transaction " + c.transactionalId() + " at " + bootstrap + ": " + e, e);
      }
    } catch (KafkaException e) {
      throw new IOException("cannot commit Kafka transaction " + c.transactionalId() + " at " + bootstrap + ": " + e, e);
    }
  }

  /**
   * Whether the broker still has the committable's transaction open, so that it must be resumed and
   * committed; false if it was committed; fails if the broker aborted it. Judged from
   * {@code Admin.describeTransactions} (the id's current producer id, epoch and state), measured
   * against Kafka 4.3.1 (docs/architecture.md, Kafka sink): a commit leaves the epoch {@code e} (a
   * resumed commit, and every commit under transactions v1) or bumps it to {@code e + 1} (a live
   * producer's commit under transactions v2, KIP-890); an abort by the broker (transaction timeout)
   * bumps it to {@code e + 1} under v1 and v2; a client abort leaves {@code e} (v1) or bumps it (v2); a
   * new producer's {@code initTransactions} on the id bumps it once more (twice if it fences an open
   * transaction). So under v2 {@code e + 1} aborted is this transaction aborted, and under v1 it may
   * also be a later transaction of the id, aborted after this one committed. Where the state cannot
   * tell, a WARN says the output cannot be verified and the commit is skipped (the transaction is no
   * longer open: nothing can commit it).
   */
  private boolean stillOpen(KafkaCommittable c) throws IOException {
    try (Admin admin = admin()) {
      TransactionDescription d;
      try {
        d = admin.describeTransactions(List.of(c.transactionalId())).description(c.transactionalId())
            .get(connectTimeoutMs, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof org.apache.kafka.common.errors.TransactionalIdNotFoundException) {
          unverifiable(c, "the broker no longer knows the transactional id (expired after transactional.id.expiration.ms)");
          return false;
        }
        throw new IOException("cannot describe Kafka transaction " + c.transactionalId() + " at " + bootstrap + ": "
            + e.getCause(), e.getCause());
      }
      TransactionState state = d.state();
      boolean committing = state == TransactionState.COMPLETE_COMMIT || state == TransactionState.PREPARE_COMMIT;
      boolean aborting = state == TransactionState.COMPLETE_ABORT || state == TransactionState.PREPARE_ABORT;
      String now = "now producer id " + d.producerId() + ", epoch " + d.producerEpoch() + ", " + state;
      if (d.producerId() != c.producerId()) {
        unverifiable(c, "the id has moved to another producer id (" + now + ")");
        return false;
      }
      if (d.producerEpoch() == c.epoch()) {
        if (state == TransactionState.ONGOING || state == TransactionState.PREPARE_COMMIT) {
          return true; // open (or its commit began): resume and commit (again)
        }
        if (state == TransactionState.COMPLETE_COMMIT) {
          return committedAlready(c, now);
        }
        if (aborting) {
          throw aborted(c, "aborted (" + now + ")");
        }
      } else if (d.producerEpoch() == c.epoch() + 1) {
        if (committing) {
          return committedAlready(c, now);
        }
        if (aborting) {
          if (transactionsV2(admin)) {
            throw aborted(c, "aborted by the broker (" + now + "), probably because the job was down longer than"
                + " transaction.timeout.ms");
          }
          unverifiable(c, "it was either aborted by the broker (transaction timeout) or committed, and a later"
              + " transaction of the id aborted; transactions v1 cannot tell (" + now + ")");
          return false;
        }
        if (transactionsV2(admin)) {
          // Under v2 only a commit leaving the epoch (a resumed one) is followed by a new producer at e + 1.
          return committedAlready(c, now);
        }
      }
      unverifiable(c, "it ended, and the id has run other transactions since (" + now + ")");
      return false;
    } catch (java.util.concurrent.TimeoutException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while describing a Kafka transaction", e);
    }
  }

  /** Logs that {@code c}'s transaction was committed before (the broker's view: {@code now}); false: not open. */
  private static boolean committedAlready(KafkaCommittable c, String now) {
    LOG.info("Kafka transaction {} (producer id {}, epoch {}) was committed already ({})", c.transactionalId(),
        c.producerId(), c.epoch(), now);
    return false;
  }

  private IOException aborted(KafkaCommittable c, String how) {
    return new IOException("Kafka transaction " + c.transactionalId() + " (producer id " + c.producerId() + ", epoch "
        + c.epoch() + ") of a complete checkpoint was " + how + ": its output is lost; raise transaction.timeout.ms"
        + " (and the broker's transaction.max.timeout.ms) or restart sooner");
  }

  private void unverifiable(KafkaCommittable c, String why) {
    LOG.warn("cannot verify the output of Kafka transaction {} (producer id {}, epoch {}) of a complete checkpoint at {}:"
        + " it is no longer open, so it is not committed again, but {}; its output may be lost", c.transactionalId(),
        c.producerId(), c.epoch(), bootstrap, why);
  }

  /** Whether the cluster runs Kafka transactions v2 (KIP-890: finalized {@code transaction.version} >= 2). */
  private boolean transactionsV2(Admin admin) throws IOException, InterruptedException,
      java.util.concurrent.TimeoutException {
    try {
      FinalizedVersionRange v = admin.describeFeatures().featureMetadata().get(connectTimeoutMs, TimeUnit.MILLISECONDS)
          .finalizedFeatures().get("transaction.version");
      return v != null && v.maxVersionLevel() >= 2;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnsupportedVersionException) {
        return false; // a broker without feature versioning: transactions v1
      }
      throw new IOException("cannot describe the features of Kafka at " + bootstrap + ": " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void recover(int parallelism, List<Object> committables) throws IOException {
    commit(committables);
    if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
      try (Admin admin = admin()) {
        checkTopic(admin);
        abortLingering(admin, Set.of());
      }
    }
  }

  @Override
  public void abort() {
    abortLive();
  }

  /** Aborts and closes the prepared transactions of this sink still held in this process. */
  private void abortLive() {
    List<Runnable> deferred = Transactions.DEFERRED.remove(prefix);
    if (deferred != null) {
      deferred.forEach(Runnable::run); // their writers are gone: this closes the producers
    }
    for (String id : new ArrayList<>(Transactions.LIVE.keySet())) {
      if (id.startsWith(prefix + "-")) {
        Transactions.Pending p = Transactions.LIVE.remove(id);
        if (p != null) {
          try {
            p.producer().abortTransaction();
          } catch (RuntimeException e) {
            LOG.debug("aborting {}: {}", id, e.toString());
          }
          p.producer().close(Duration.ofSeconds(5));
        }
      }
    }
  }

  /**
   * Whether a transaction in {@code state} lingers, i.e. must be fenced to end: everything but a
   * transaction that has ended or whose outcome is decided. One preparing its commit or abort (or
   * the abort of an epoch fence) ends by itself, as the coordinator writes the markers; fencing it
   * would only wait for that and bump the id's epoch once more. A transaction {@code recover} has
   * just committed can be in that state when the scan runs; taken for lingering, it would be logged
   * as aborted, and its id's epoch would stand one further than the commit rules of
   * {@link #stillOpen} expect, so a second recovery from the same checkpoint could WARN about it.
   */
  static boolean lingering(TransactionState state) {
    return switch (state) {
      case COMPLETE_COMMIT, COMPLETE_ABORT, EMPTY, PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE -> false;
      default -> true;
    };
  }

  /**
   * Aborts every open transaction whose id starts with this sink's prefix (except {@code keep}):
   * those of live producers in this process directly, the others by fencing their id.
   */
  private void abortLingering(Admin admin, Set<String> keep) throws IOException {
    abortLive();
    List<String> ids = new ArrayList<>();
    try {
      for (TransactionListing t : admin.listTransactions(new ListTransactionsOptions()).all()
          .get(connectTimeoutMs, TimeUnit.MILLISECONDS)) {
        if (t.transactionalId().startsWith(prefix + "-") && !keep.contains(t.transactionalId())
            && lingering(t.state())) {
          ids.add(t.transactionalId());
        }
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw unreachable(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("cannot list the transactions at Kafka " + bootstrap + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while listing Kafka transactions", e);
    }
    Set<String> done = new HashSet<>();
    for (String id : ids) {
      if (done.add(id)) {
        try (KafkaProducer<byte[], byte[]> p = producer(id)) {
          p.initTransactions(); // fences the id and aborts its open transaction
          LOG.info("aborted lingering Kafka transaction {}", id);
        } catch (KafkaException e) {
          throw new IOException("cannot abort lingering Kafka transaction " + id + " at " + bootstrap + ": " + e, e);
        }
      }
    }
  }
}
