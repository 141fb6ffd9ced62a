package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.KV;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SinkTestBase} against a real MariaDB ({@link EmbeddedMariaDb}), started once for the class. */
class MariaDbSinkTest extends SinkTestBase {
  @TempDir static Path dbDir;
  static EmbeddedMariaDb db;

  @BeforeAll
  static void start() throws Exception {
    db = new EmbeddedMariaDb(dbDir);
  }

  @AfterAll
  static void stop() throws Exception {
    Jdbc.closePools();
    if (db != null) {
      db.close();
    }
  }

  /** No BYTEA; VARBINARY keeps the bytes exactly (BINARY(n) would pad them with zeros). */
  @Override
  String binaryType() {
    return "VARBINARY(64)";
  }

  /** MariaDB's TIMESTAMP holds whole seconds in 1970..2038 (see {@link SinkTestBase#timestampType()}). */
  @Override
  String timestampType() {
    return "DATETIME(6)";
  }

  @Override
  String url() {
    return db.url();
  }

  @Test
  void aRefusedLoginFailsAtOnceWithTheDatabasesReason() {
    JdbcSink<Long> sink = JdbcSink.<Long>insert(url(), "t_login").columns("k").row(i -> new Object[] {i})
        .credentials("postgres", "wrong-password").pool(2, Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> sink.open(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("Access denied").hasMessageNotContaining("attempts"); // 28000: not retried
  }

  /**
   * A {@code jdbc:mysql:} URL (what users of MySQL write) with only the MariaDB driver on the class
   * path; and an upsert whose columns are all key columns (ON DUPLICATE KEY UPDATE k = VALUES(k)).
   */
  @Test
  void mysqlUrlAndKeyOnlyUpsertWork() throws Exception {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    String mysqlUrl = url().replace("jdbc:mariadb:", "jdbc:mysql:");
    String t = newTable();
    JdbcSink<KV<Long, Long>> sink = JdbcSink.<KV<Long, Long>>upsert(mysqlUrl, t)
        .columns("k", "v").keyColumns("k").row(kv -> new Object[] {kv.key(), kv.value()})
        .createTable(createKv(t)).credentials("postgres", "postgres").batchSize(7).build();
    String keysOnly = newTable();
    JdbcSink<Long> set = JdbcSink.<Long>upsert(mysqlUrl, keysOnly).columns("k").keyColumns("k")
        .row(k -> new Object[] {k})
        .createTable("CREATE TABLE IF NOT EXISTS " + keysOnly + " (k BIGINT PRIMARY KEY)")
        .credentials("postgres", "postgres").build();
    Map<Long, Long> expected = new TreeMap<>();
    sink.open(1);
    set.open(1);
    for (int checkpoint = 1; checkpoint <= 3; checkpoint++) {
      var w = sink.writer(new dev.sluice.api.sink.WriterContext(0, 1, 0, true));
      var ws = set.writer(new dev.sluice.api.sink.WriterContext(0, 1, 0, true));
      for (int i = 0; i < 100; i++) {
        long k = rnd.nextInt(40);
        long v = rnd.nextLong();
        w.write(KV.of(k, v));
        ws.write(k);
        expected.put(k, v);
      }
      sink.commit(List.of(w.prepareCommit(checkpoint)));
      set.commit(List.of(ws.prepareCommit(checkpoint)));
    }
    assertThat(readTable(t)).as("seed %d", seed).isEqualTo(expected);
    List<Long> keys = new ArrayList<>();
    try (var c = connect(); var st = c.createStatement(); var rs = st.executeQuery("SELECT k FROM " + keysOnly + " ORDER BY k")) {
      while (rs.next()) {
        keys.add(rs.getLong(1));
      }
    }
    assertThat(keys).as("seed %d", seed).isEqualTo(new ArrayList<>(expected.keySet()));
  }
}
