package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.produce;
import static dev.sluice.kafka.KafkaTestSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.MapFunction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KafkaSink} against a real broker, with Kafka-to-Kafka jobs under injected failures. */
class KafkaSinkTest extends WithKafkaBroker {
  @TempDir Path temp;

  static long seed() {
    String s = System.getProperty("sluice.test.seed");
    long seed = s != null ? Long.parseLong(s) : new Random().nextLong();
    System.out.println("KafkaSinkTest seed " + seed);
    return seed;
  }

  /** Identity that throws at random records (JVM-wide budget) and slows down so checkpoints land mid-input. */
  static final class Flaky implements MapFunction<String, String> {
    static final AtomicInteger BUDGET = new AtomicInteger();
    static final AtomicInteger FAILURES = new AtomicInteger();
    static volatile Random random = new Random(0);
    static volatile double p;
    private transient long seen;

    /** Fails records with probability 1e-4, at most {@code budget} times, drawn from {@code seed}. */
    static void arm(long seed, int budget) {
      random = new Random(seed);
      p = 1e-4;
      BUDGET.set(budget);
      FAILURES.set(0);
    }

    @Override
    public String apply(String v) {
      if (++seen % 200 == 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      if (p > 0 && random.nextDouble() < p && BUDGET.getAndDecrement() > 0) {
        FAILURES.incrementAndGet();
        throw new IllegalStateException("injected failure at record " + v);
      }
      return v;
    }
  }

  static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    c.sort(null);
    return c;
  }

  private JobResult copy(String from, String to, DeliveryGuarantee g, String job) {
    Pipeline p = Pipeline.create(job);
    p.read(KafkaSource.builder(kafka.bootstrapServers(), from).bounded(StoppingOffsets.latest()).build())
        .map(new Flaky())
        .write(KafkaSink.<String>builder(kafka.bootstrapServers(), to).deliveryGuarantee(g)
            .transactionalIdPrefix(job).build());
    return p.run(RunOptions.streaming().withParallelism(2).withMaxAttempts(12).withRetryBackoff(Duration.ZERO)
        .withCheckpointing(temp.resolve("ck-" + job), Duration.ofMillis(100)));
  }

  @Test
  void exactlyOnceUnderInjectedFailures() {
    long seed = seed();
    int n = 40_000;
    kafka.createTopic("eo-in", 4);
    kafka.createTopic("eo-out", 3);
    List<String> input = IntStream.range(0, n).mapToObj(i -> "r" + i).toList();
    produce(kafka.bootstrapServers(), "eo-in", 4, input, 0);
    Flaky.arm(seed, 5);
    JobResult r = copy("eo-in", "eo-out", DeliveryGuarantee.EXACTLY_ONCE, "eo");
    Flaky.p = 0;
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    System.out.println("exactly once: " + Flaky.FAILURES.get() + " injected failures (seed " + seed + ")");
    assertThat(Flaky.FAILURES.get()).as("failures injected (seed %d)", seed).isPositive();
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), "eo-out"))).isEqualTo(sorted(input));
  }

  @Test
  void atLeastOnceUnderInjectedFailuresLosesNothing() {
    long seed = seed();
    int n = 20_000;
    kafka.createTopic("al-in", 2);
    kafka.createTopic("al-out", 2);
    List<String> input = IntStream.range(0, n).mapToObj(i -> "r" + i).toList();
    produce(kafka.bootstrapServers(), "al-in", 2, input, 0);
    Flaky.arm(seed, 3);
    JobResult r = copy("al-in", "al-out", DeliveryGuarantee.AT_LEAST_ONCE, "al");
    Flaky.p = 0;
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> out = readCommitted(kafka.bootstrapServers(), "al-out");
    assertThat(new HashSet<>(out)).isEqualTo(new HashSet<>(input));
    assertThat(out.size()).isGreaterThanOrEqualTo(n);
  }

  @Test
  void aPreparedTransactionOfACrashedProcessIsCommittedByResumingIt() throws Exception {
    kafka.createTopic("resume-out", 1);
    KafkaSink<String> sink = KafkaSink.<String>builder(kafka.bootstrapServers(), "resume-out")
        .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).transactionalIdPrefix("resume").build();
    KafkaCommittable c;
    KafkaProducer<byte[], byte[]> p = sink.producer("resume-0-0");
    p.initTransactions();
    p.beginTransaction();
    for (int i = 0; i < 100; i++) {
      p.send(new ProducerRecord<>("resume-out", ("v" + i).getBytes(StandardCharsets.UTF_8)));
    }
    p.flush();
    ProducerIdAndEpoch pe = Transactions.producerIdAndEpoch(p);
    c = new KafkaCommittable("resume-0-0", pe.producerId, pe.epoch);
    p.close(Duration.ZERO); // as if the process died: the transaction stays open
    // a lingering transaction of another writer, never checkpointed
    KafkaProducer<byte[], byte[]> other = sink.producer("resume-1-0");
    other.initTransactions();
    other.beginTransaction();
    other.send(new ProducerRecord<>("resume-out", "lost".getBytes(StandardCharsets.UTF_8)));
    other.flush();
    other.close(Duration.ZERO);

    sink.recover(2, List.of(c));
    assertThat(sorted(readCommitted(kafka.bootstrapServers(), "resume-out")))
        .isEqualTo(sorted(IntStream.range(0, 100).mapToObj(i -> "v" + i).toList()));
    sink.recover(2, List.of(c)); // idempotent
    assertThat(readCommitted(kafka.bootstrapServers(), "resume-out")).hasSize(100);
  }

  /**
   * The output check reads up to the high watermark, not the last stable offset: a commit returns
   * before its markers are in the partitions, and a check reading only up to the last stable offset
   * then missed the output of the last transactions (in CI: every record of one input partition,
   * whose writer had committed all of them in the job's last transaction). Here a transaction is
   * still open while the reading starts; the records of it must be read once it commits.
   */
  @Test
  void theOutputCheckWaitsForTransactionsStillCompleting() throws Exception {
    kafka.createTopic("lso-out", 1);
    KafkaSink<String> sink = KafkaSink.<String>builder(kafka.bootstrapServers(), "lso-out").build();
    try (KafkaProducer<byte[], byte[]> first = sink.producer("lso-0");
         KafkaProducer<byte[], byte[]> second = sink.producer("lso-1")) {
      first.initTransactions();
      second.initTransactions();
      first.beginTransaction();
      first.send(new ProducerRecord<>("lso-out", "a".getBytes(StandardCharsets.UTF_8)));
      first.commitTransaction();
      second.beginTransaction();
      second.send(new ProducerRecord<>("lso-out", "b".getBytes(StandardCharsets.UTF_8)));
      second.flush(); // written, not committed: the last stable offset stays before "b"
      java.util.concurrent.CompletableFuture<List<String>> read = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> readCommitted(kafka.bootstrapServers(), "lso-out"));
      try {
        read.get(1, java.util.concurrent.TimeUnit.SECONDS); // (before the fix) returns at once, without "b"
      } catch (java.util.concurrent.TimeoutException e) {
        // still reading: waits for the open transaction
      }
      second.commitTransaction();
      assertThat(read.get(60, java.util.concurrent.TimeUnit.SECONDS)).containsExactly("a", "b");
    }
  }

  @Test
  void aMissingTopicIsNamed() {
    KafkaSink<String> sink = KafkaSink.<String>builder(kafka.bootstrapServers(), "no-such-out").build();
    assertThatThrownBy(() -> sink.open(1)).hasMessageContaining("Kafka topic no-such-out does not exist at");
  }
}
