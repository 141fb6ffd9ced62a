package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kafka.testing.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaSink#commit} and {@link KafkaSink#recover} on transactions in the states a restore can
 * meet: a newer live transaction of the same id, committed ones, and one the broker aborted after its
 * transaction timeout. The broker (transactions v2, Kafka 4.x's default) looks for timed-out
 * transactions every 200 ms instead of every 10 s.
 */
class KafkaSinkCommitTest {
  static EmbeddedKafka kafka;
  static final Map<String, String> FAST_TIMEOUTS =
      Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "200");

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(FAST_TIMEOUTS);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }

  static KafkaSink<String> sink(EmbeddedKafka k, String topic, String prefix) {
    return sink(k, topic, prefix, 1000);
  }

  /** An exactly-once sink whose transactions the broker aborts after {@code timeoutMs}. */
  static KafkaSink<String> sink(EmbeddedKafka k, String topic, String prefix, int timeoutMs) {
    return KafkaSink.<String>builder(k.bootstrapServers(), topic).deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .transactionalIdPrefix(prefix).property("transaction.timeout.ms", Integer.toString(timeoutMs)).build();
  }

  /** A producer of {@code sink} on {@code id} with {@code n} records written in an open transaction. */
  static KafkaProducer<byte[], byte[]> prepared(KafkaSink<String> sink, String id, String tag, int n) {
    KafkaProducer<byte[], byte[]> p = sink.producer(id);
    p.initTransactions();
    p.beginTransaction();
    for (int i = 0; i < n; i++) {
      p.send(new ProducerRecord<>(sink.topic, (tag + i).getBytes(StandardCharsets.UTF_8)));
    }
    p.flush();
    return p;
  }

  /** A transaction of {@code n} records, committed by its live producer; its committable. */
  static KafkaCommittable committed(KafkaSink<String> sink, String id, String tag, int n) throws Exception {
    KafkaProducer<byte[], byte[]> live = prepared(sink, id, tag, n);
    KafkaCommittable c = committable(live, id);
    live.commitTransaction();
    live.close();
    return c;
  }

  /** A transaction of {@code n} records left open by a producer that went away (a crash); its committable. */
  static KafkaCommittable leftOpen(KafkaSink<String> sink, String id, String tag, int n) throws Exception {
    KafkaProducer<byte[], byte[]> crashed = prepared(sink, id, tag, n);
    KafkaCommittable c = committable(crashed, id);
    crashed.close(Duration.ZERO);
    return c;
  }

  static KafkaCommittable committable(KafkaProducer<byte[], byte[]> p, String id) {
    ProducerIdAndEpoch pe = Transactions.producerIdAndEpoch(p);
    return new KafkaCommittable(id, pe.producerId, pe.epoch);
  }

  static List<String> values(String tag, int n) {
    return IntStream.range(0, n).mapToObj(i -> tag + i).toList();
  }

  /** Waits (30 s at most) until the broker reports {@code id} in {@code state}. */
  static TransactionDescription await(EmbeddedKafka k, String id, TransactionState state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      TransactionDescription d = k.admin().describeTransactions(List.of(id)).description(id).get(10, TimeUnit.SECONDS);
      if (d.state() == state) {
        return d;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("transaction " + id + " not " + state + " within 30 s: " + d);
      }
      Thread.sleep(50);
    }
  }

  /** What {@code r} logs to System.err (slf4j-simple writes there) while it runs. */
  static String stderrOf(ThrowingRunnable r) throws Exception {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(old, buf), true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override public synchronized void write(int x) throws IOException {
      a.write(x);
      b.write(x);
    }

    @Override public synchronized void write(byte[] bytes, int off, int len) throws IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }
  }

  /**
   * A commit repeated (the end-of-input commit repeats the last checkpoint's) while a newer
   * transaction of the same id is live in this process must leave that one in the registry. Before
   * the fix the repeated commit took it out and returned (committed already), so its producer was
   * never committed, aborted or closed by the sink.
   */
  @Test
  void aRepeatedCommitLeavesANewerLiveTransactionOfTheSameId() throws Exception {
    kafka.createTopic("repeat-out", 1);
    KafkaSink<String> sink = sink(kafka, "repeat-out", "repeat");
    String id = "repeat-0-0";
    KafkaProducer<byte[], byte[]> first = prepared(sink, id, "a", 5);
    KafkaCommittable c1 = committable(first, id);
    AtomicInteger released = new AtomicInteger();
    Transactions.LIVE.put(id, new Transactions.Pending(first, c1.producerId(), c1.epoch(), () -> {
      released.incrementAndGet();
      first.close(Duration.ofSeconds(5));
    }));
    sink.commit(List.of(c1));
    KafkaProducer<byte[], byte[]> second = prepared(sink, id, "b", 5); // fences the first producer
    KafkaCommittable c2 = committable(second, id);
    assertThat(c2).isNotEqualTo(c1);
    Transactions.Pending newer = new Transactions.Pending(second, c2.producerId(), c2.epoch(), () -> {
      released.incrementAndGet();
      second.close(Duration.ofSeconds(5));
    });
    Transactions.LIVE.put(id, newer);

    sink.commit(List.of(c1)); // repeated: committed already; also releases the first producer
    assertThat(Transactions.LIVE.get(id)).as("the newer live transaction of %s", id).isSameAs(newer);
    assertThat(released).hasValue(1);

    sink.commit(List.of(c2)); // by the live producer
    sink.commit(List.of()); // a later checkpoint: the producer goes back (here: is closed)
    assertThat(Transactions.LIVE).doesNotContainKey(id);
    assertThat(released).hasValue(2);
    assertThat(readCommitted(kafka.bootstrapServers(), "repeat-out"))
        .containsExactlyElementsOf(concat(values("a", 5), values("b", 5)));
  }

  static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  /**
   * A checkpointed transaction that the broker aborted after its transaction timeout (the job down
   * too long) must fail the recovery with a message naming it. Under transactions v2 the abort bumps
   * the epoch, and before the fix "same producer id, later epoch" was taken for "committed already":
   * the output was lost without a word.
   */
  @Test
  void aCheckpointedTransactionTheBrokerAbortedFailsTheRecoveryNamingIt() throws Exception {
    kafka.createTopic("timeout-out", 1);
    KafkaSink<String> sink = sink(kafka, "timeout-out", "timeout");
    String id = "timeout-0-0";
    KafkaCommittable c = leftOpen(sink, id, "t", 10); // the process dies after the checkpoint, before the commit
    TransactionDescription d = await(kafka, id, TransactionState.COMPLETE_ABORT);
    assertThat(d.producerId()).isEqualTo(c.producerId());
    assertThat(d.producerEpoch()).as("the broker's abort bumps the epoch").isEqualTo(c.epoch() + 1);

    assertThatThrownBy(() -> sink.recover(1, List.of(c)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Kafka transaction " + id + " (producer id " + c.producerId())
        .hasMessageContaining("was aborted by the broker")
        .hasMessageContaining("its output is lost; raise transaction.timeout.ms");
    assertThat(readCommitted(kafka.bootstrapServers(), "timeout-out")).isEmpty();
  }

  /**
   * A resumed commit leaves the epoch, also when the resuming producer has already learned the
   * cluster's transaction version: kafka-clients then bumps the epoch on its own after the EndTxn (a
   * client-side bump when the features arrive during a transaction), and whether they had arrived
   * depended on how soon its background connection was up. The commit rules count on the epoch
   * staying; with the bump, a second recovery from the same checkpoint WARNed that a committed
   * transaction could not be verified (a CI failure of
   * {@link #committedTransactionsAreRecognisedAsCommitted}).
   */
  @Test
  void aResumedCommitLeavesTheEpochAlsoWhenTheProducerKnowsTheTransactionVersion() throws Exception {
    kafka.createTopic("resume-out", 1);
    KafkaSink<String> sink = sink(kafka, "resume-out", "resume", 60_000);
    KafkaCommittable open = leftOpen(sink, "resume-0-0", "r", 5);
    try (KafkaProducer<byte[], byte[]> p = sink.producer("resume-0-0")) {
      p.partitionsFor("resume-out"); // connected: the broker's features (transaction.version 2) are known
      Transactions.resume(p, open.producerId(), open.epoch());
      p.commitTransaction();
    }
    TransactionDescription d = await(kafka, "resume-0-0", TransactionState.COMPLETE_COMMIT);
    assertThat(d.producerEpoch()).isEqualTo(open.epoch());
    assertThat(readCommitted(kafka.bootstrapServers(), "resume-out")).containsExactlyElementsOf(values("r", 5));
  }

  /** Transactions whose outcome is decided are not fenced as lingering; open ones are. */
  @Test
  void onlyTransactionsWithoutADecidedOutcomeLinger() {
    assertThat(KafkaSink.lingering(TransactionState.ONGOING)).isTrue();
    assertThat(KafkaSink.lingering(TransactionState.UNKNOWN)).isTrue();
    for (TransactionState s : List.of(TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT,
        TransactionState.PREPARE_EPOCH_FENCE, TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT,
        TransactionState.EMPTY)) {
      assertThat(KafkaSink.lingering(s)).as(s.toString()).isFalse();
    }
  }

  /**
   * Committed transactions are recognised as committed (no error, no warning, nothing written
   * twice): one committed by its live producer (transactions v2: the epoch is bumped), one committed
   * by a resumed producer (the epoch stays) and then followed by a new producer's open transaction of
   * the same id (a restarted job's writer, its transaction still open).
   */
  @Test
  void committedTransactionsAreRecognisedAsCommitted() throws Exception {
    kafka.createTopic("done-out", 1);
    // No transaction times out here: with the class's 1 s, the broker aborted the restarted writer's
    // open transaction (below) when the machine was slow, and the id's epoch moved on (a flaky WARN).
    KafkaSink<String> sink = sink(kafka, "done-out", "done", 60_000);
    KafkaCommittable byLive = committed(sink, "done-0-0", "x", 10);
    KafkaCommittable resumed = leftOpen(sink, "done-1-0", "y", 10);
    sink.recover(2, List.of(resumed)); // resumes and commits it
    Transactions.COMMITTED.remove(Transactions.key(resumed)); // as if in another process from here on
    KafkaProducer<byte[], byte[]> next = prepared(sink, "done-1-0", "z", 3); // the restarted job's writer
    await(kafka, "done-0-0", TransactionState.COMPLETE_COMMIT);
    assertThat(kafka.admin().describeTransactions(List.of("done-1-0")).description("done-1-0").get().state())
        .isEqualTo(TransactionState.ONGOING);

    String log = stderrOf(() -> sink.recover(2, List.of(byLive, resumed)));
    assertThat(log).doesNotContain("cannot verify");
    // The recovery fenced the id as a lingering transaction (its initTransactions aborted z's).
    await(kafka, "done-1-0", TransactionState.EMPTY);
    next.close(Duration.ZERO);
    assertThat(readCommitted(kafka.bootstrapServers(), "done-out"))
        .containsExactlyInAnyOrderElementsOf(concat(values("x", 10), values("y", 10)));
  }

  /**
   * Under transactions v1 (configured at formatting) a commit leaves the epoch and the broker's
   * abort bumps it, as under v2; but "epoch + 1, aborted" may also be a later transaction of the id
   * aborted after this one committed, so the timed-out transaction gets a WARN that its output cannot
   * be verified (not a claim that it was committed); a committed one is recognised.
   */
  @Test
  void underTransactionsV1ATimedOutTransactionIsReportedAsUnverifiable() throws Exception {
    try (EmbeddedKafka v1 = EmbeddedKafka.start(FAST_TIMEOUTS, Map.of("transaction.version", (short) 1))) {
      v1.createTopic("v1-out", 1);
      KafkaSink<String> sink = sink(v1, "v1-out", "v1");
      KafkaCommittable committed = committed(sink, "v1-0-0", "x", 10);
      KafkaCommittable timedOut = leftOpen(sink, "v1-1-0", "t", 10);
      TransactionDescription d = await(v1, "v1-1-0", TransactionState.COMPLETE_ABORT);
      assertThat(d.producerEpoch()).isEqualTo(timedOut.epoch() + 1);
      assertThat(await(v1, "v1-0-0", TransactionState.COMPLETE_COMMIT).producerEpoch()).isEqualTo(committed.epoch());

      String log = stderrOf(() -> sink.recover(2, List.of(committed, timedOut)));
      assertThat(log).contains("cannot verify the output of Kafka transaction v1-1-0")
          .doesNotContain("cannot verify the output of Kafka transaction v1-0-0");
      assertThat(readCommitted(v1.bootstrapServers(), "v1-out")).containsExactlyElementsOf(values("x", 10));
    }
  }
}
