package dev.sluice.examples.clickstream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.Main;
import dev.sluice.kafka.testing.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice demo --kafka ... --topic ...} against a real in-process Kafka broker: generated
 * clicks produced as JSON to a 3-partition topic (round robin, so each partition is out of order by
 * less than the watermark bound), read by the demo up to the end offsets at its start, and both H2
 * tables compared with {@link ClickReference} over the produced clicks. A record that is not a click
 * makes the demo fail naming it, or is skipped with {@code --bad-records SKIP}.
 */
class DemoKafkaTest {
  @TempDir Path tmp;

  record Outcome(int code, String out, String err) {}

  static Outcome demo(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = new String[args.length + 1];
    all[0] = "demo";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static void produce(String bootstrap, String topic, int partitions, List<String> values) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("linger.ms", "5");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < values.size(); i++) {
        producer.send(new ProducerRecord<>(topic, i % partitions, null, values.get(i).getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  @Test
  void readsJsonClicksFromKafkaIntoTheTablesAndRefusesBadRecords() throws Exception {
    List<Click> clicks = ClickReference.generate(new ClickGenerator(11, 200), 30_000);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("clicks", 3);
      produce(kafka.bootstrapServers(), "clicks", 3, clicks.stream().map(ClickJson::toJson).toList());
      Path ck = tmp.resolve("demo").resolve("checkpoints");
      Outcome o = demo("--kafka", kafka.bootstrapServers(), "--topic", "clicks", "--stop-at-end", "--checkpoint-dir",
          ck.toString(), "--trigger-interval", "200ms", "-p", "2", "--top", "3");
      assertThat(o.code()).as(o.out() + o.err()).isZero();
      assertThat(o.out()).contains("JSON clicks from Kafka topic clicks", "finished after 30,000 events", "top pages");

      String url = ClickstreamTables.defaultJdbcUrl(ck);
      Map<String, Long> users = new TreeMap<>();
      Map<String, List<Long>> pages = new TreeMap<>();
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        try (ResultSet r = s.executeQuery("SELECT user_id, window_start, clicks FROM user_clicks")) {
          while (r.next()) {
            users.put(r.getString(1) + "|" + r.getLong(2), r.getLong(3));
          }
        }
        try (ResultSet r = s.executeQuery("SELECT page, window_start, total_dwell_ms, clicks_with_dwell FROM page_dwell")) {
          while (r.next()) {
            pages.put(r.getString(1) + "|" + r.getLong(2), List.of(r.getLong(3), r.getLong(4)));
          }
        }
      }
      assertThat(users).isEqualTo(ClickReference.userClicks(clicks));
      assertThat(pages).isEqualTo(ClickReference.pageDwell(clicks));

      // a record that is not a click: FAIL (the default) names it; SKIP goes on
      kafka.createTopic("bad", 1);
      produce(kafka.bootstrapServers(), "bad", 1, List.of(ClickJson.toJson(clicks.get(0)), "{\"userId\": 5", "not json"));
      Outcome failed = demo("--kafka", kafka.bootstrapServers(), "--topic", "bad", "--stop-at-end", "--checkpoint-dir",
          tmp.resolve("bad1").resolve("checkpoints").toString(), "--trigger-interval", "200ms", "-p", "1", "--top", "0");
      assertThat(failed.code()).as(failed.out() + failed.err()).isEqualTo(1);
      assertThat(failed.err().strip().lines()).hasSize(1);
      assertThat(failed.err()).startsWith("sluice: ").contains("bad");
      Outcome skipped = demo("--kafka", kafka.bootstrapServers(), "--topic", "bad", "--stop-at-end", "--bad-records",
          "SKIP", "--checkpoint-dir", tmp.resolve("bad2").resolve("checkpoints").toString(), "--trigger-interval",
          "200ms", "-p", "1", "--top", "0");
      assertThat(skipped.code()).as(skipped.out() + skipped.err()).isZero();
    }
  }
}
