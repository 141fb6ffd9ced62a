package dev.sluice.kafka;

import static dev.sluice.kafka.KafkaTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.DeadLetter;
import dev.sluice.api.source.SplitReader;
import dev.sluice.kafka.testing.EmbeddedKafka;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link KafkaSource} against a real broker in this JVM. */
class KafkaSourceTest extends WithKafkaBroker {
  static List<String> numbers(int from, int to) {
    return IntStream.range(from, to).mapToObj(Integer::toString).toList();
  }

  @Test
  void readsEveryPartitionOfABoundedTopic() {
    kafka.createTopic("all", 4);
    produce(kafka.bootstrapServers(), "all", 4, numbers(0, 10_000), 1_000);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "all").bounded(StoppingOffsets.latest()).build();
    List<String> got = new ArrayList<>(Pipeline.create("all").read(src).collect(RunOptions.streaming().withParallelism(2)));
    got.sort(null);
    List<String> expected = new ArrayList<>(numbers(0, 10_000));
    expected.sort(null);
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void remainingSplitResumesWhereTheReaderStopped() throws IOException {
    kafka.createTopic("resume", 1);
    produce(kafka.bootstrapServers(), "resume", 1, numbers(0, 3_000), 5_000);
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "resume")
        .bounded(StoppingOffsets.latest()).property("max.poll.records", "7").build();
    Random rnd = new Random(42);
    KafkaPartitionSplit split = (KafkaPartitionSplit) src.splits(1).get(0);
    KafkaTestSupport.Out<String> out = new KafkaTestSupport.Out<>();
    int cuts = 0;
    while (true) {
      SplitReader<String> r = src.reader(split, new KafkaTestSupport.Context());
      int reads = 1 + rnd.nextInt(40);
      boolean more = true;
      for (int i = 0; i < reads && more; i++) {
        more = r.read(out);
      }
      split = (KafkaPartitionSplit) r.remainingSplit();
      r.close();
      cuts++;
      if (!more) {
        break;
      }
    }
    assertThat(cuts).isGreaterThan(3);
    assertThat(out.values).isEqualTo(numbers(0, 3_000));
    assertThat(out.timestamps).isEqualTo(IntStream.range(0, 3_000).mapToObj(i -> 5_000L + i).toList());
    assertThat(split.partitions().get(0).offset()).isEqualTo(3_000);
  }

  @Test
  void startsAtEarliestLatestATimestampOrTheCommittedOffsets() throws Exception {
    kafka.createTopic("start", 1);
    produce(kafka.bootstrapServers(), "start", 1, numbers(0, 100), 10_000);
    String b = kafka.bootstrapServers();
    assertThat(firstOffset(KafkaSource.builder(b, "start").startingOffsets(StartingOffsets.earliest()).build())).isZero();
    assertThat(firstOffset(KafkaSource.builder(b, "start").startingOffsets(StartingOffsets.latest()).build())).isEqualTo(100);
    assertThat(firstOffset(KafkaSource.builder(b, "start").startingOffsets(StartingOffsets.timestamp(10_042)).build())).isEqualTo(42);
    assertThat(firstOffset(KafkaSource.builder(b, "start").startingOffsets(StartingOffsets.timestamp(99_999)).build())).isEqualTo(100);
    assertThat(firstOffset(KafkaSource.builder(b, "start").groupId("g-none")
        .startingOffsets(StartingOffsets.committed(StartingOffsets.latest())).build())).isEqualTo(100);
    kafka.admin().alterConsumerGroupOffsets("g-start", java.util.Map.of(new org.apache.kafka.common.TopicPartition("start", 0),
        new org.apache.kafka.clients.consumer.OffsetAndMetadata(17))).all().get();
    assertThat(firstOffset(KafkaSource.builder(b, "start").groupId("g-start")
        .startingOffsets(StartingOffsets.committed(StartingOffsets.earliest())).build())).isEqualTo(17);
    // and reading from a timestamp really starts there
    List<String> got = Pipeline.create("ts").read(KafkaSource.builder(b, "start")
        .startingOffsets(StartingOffsets.timestamp(10_090)).bounded(StoppingOffsets.latest()).build())
        .collect(RunOptions.streaming());
    assertThat(got).containsExactlyElementsOf(numbers(90, 100));
  }

  private static long firstOffset(KafkaSource<String> src) throws IOException {
    return ((KafkaPartitionSplit) src.splits(1).get(0)).partitions().get(0).offset();
  }

  @Test
  void badRecordsFollowThePolicy() {
    kafka.createTopic("bad", 2);
    List<String> values = List.of("{\"id\":1,\"name\":\"a\"}", "not json", "{\"id\":2,\"name\":\"b\"}", "{\"id\":3,",
        "{\"id\":4,\"name\":\"d\"}");
    produce(kafka.bootstrapServers(), "bad", 1, values, 0);
    String b = kafka.bootstrapServers();
    KafkaSource.Builder<Item> builder = KafkaSource.builder(b, "bad").deserializer(KafkaDeserializers.json(Item.class))
        .bounded(StoppingOffsets.latest());

    assertThatThrownBy(() -> Pipeline.create("fail").read(builder.badRecordPolicy(BadRecordPolicy.FAIL).build())
        .collect(RunOptions.streaming()))
        .hasStackTraceContaining("topic bad partition 0 offset 1");

    List<Item> skipped = Pipeline.create("skip").read(builder.badRecordPolicy(BadRecordPolicy.SKIP).build())
        .collect(RunOptions.streaming());
    assertThat(skipped).extracting(Item::id).containsExactlyInAnyOrder(1, 2, 4);

    var p = Pipeline.create("dl");
    var ds = p.read(builder.badRecordPolicy(BadRecordPolicy.DEAD_LETTER).build());
    List<DeadLetter> dead = ds.deadLetters().collect(RunOptions.streaming());
    assertThat(dead).extracting(DeadLetter::position)
        .containsExactlyInAnyOrder("topic bad partition 0 offset 1", "topic bad partition 0 offset 3");
    assertThat(dead).extracting(DeadLetter::raw).containsExactlyInAnyOrder("not json", "{\"id\":3,");
  }

  public record Item(int id, String name) {}

  @Test
  void aMissingTopicIsNamed() {
    KafkaSource<String> src = KafkaSource.builder(kafka.bootstrapServers(), "no-such-topic").build();
    assertThatThrownBy(() -> src.splits(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("Kafka topic no-such-topic does not exist at " + kafka.bootstrapServers());
    assertThatThrownBy(() -> Pipeline.create("missing").read(src).collect(RunOptions.streaming()))
        .hasStackTraceContaining("no-such-topic does not exist");
  }

  @Test
  void anUnreachableBrokerFailsWithinTheConnectTimeout() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String bootstrap = "127.0.0.1:" + port;
    KafkaSource<String> src = KafkaSource.builder(bootstrap, "t").connectTimeout(Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> src.splits(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("cannot reach Kafka at " + bootstrap)
        .hasMessageContaining("check --kafka / bootstrap servers");
  }

  @Test
  void aBrokerThatGoesAwayWhileReadingFailsTheReaderWithTheMessage() throws Exception {
    EmbeddedKafka doomed = EmbeddedKafka.start();
    String bootstrap = doomed.bootstrapServers();
    KafkaSplitReader<String> reader;
    try {
      doomed.createTopic("doomed", 1);
      produce(bootstrap, "doomed", 1, numbers(0, 10), 0);
      KafkaSource<String> src = KafkaSource.builder(bootstrap, "doomed").connectTimeout(Duration.ofSeconds(2)).build();
      reader = (KafkaSplitReader<String>) src.reader(src.splits(1).get(0), new KafkaTestSupport.Context());
      KafkaTestSupport.Out<String> out = new KafkaTestSupport.Out<>();
      while (out.values.size() < 10) {
        reader.read(out);
      }
    } finally {
      doomed.close();
    }
    KafkaTestSupport.Out<String> out = new KafkaTestSupport.Out<>();
    IOException failure = null;
    long guard = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // a bound against hanging, not a timing assertion
    while (failure == null && System.nanoTime() < guard) {
      try {
        reader.read(out);
      } catch (IOException e) {
        failure = e;
      }
    }
    reader.close();
    assertThat(failure).isNotNull();
    assertThat(failure).hasMessageContaining("cannot reach Kafka at " + bootstrap).hasMessageContaining("check --kafka");
    assertThat(out.values).isEmpty();
  }
}
