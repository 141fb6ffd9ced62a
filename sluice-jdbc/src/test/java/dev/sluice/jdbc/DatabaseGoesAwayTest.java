package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.io.Sources;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL is stopped while a streaming job with checkpoints writes into it: the sink
 * retries, then the job fails with a message naming the table and the cause; the table then holds
 * only whole checkpoints; once the database is back, rerunning the job finishes it exactly once.
 */
class DatabaseGoesAwayTest {
  @TempDir Path temp;
  private EmbeddedPostgres pg;

  @AfterEach
  void stop() throws Exception {
    Jdbc.closePools();
    if (pg != null) {
      pg.close();
    }
  }

  private EmbeddedPostgres start(Path data, int port) throws Exception {
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false);
    if (port > 0) {
      b.setPort(port);
    }
    return b.start();
  }

  private long count(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The rows in {@code events}, polled every 50 ms for up to 30 s until there are {@code atLeast}. */
  private long awaitRows(String url, long atLeast) throws InterruptedException {
    long seen = 0;
    for (int i = 0; i < 600 && seen < atLeast; i++) {
      Thread.sleep(50);
      try {
        seen = count(url, "SELECT COUNT(*) FROM events");
      } catch (SQLException e) {
        // not created yet
      }
    }
    return seen;
  }

  private Pipeline job(String url, String table, long n) {
    JdbcSink<Long> sink = JdbcSink.<Long>insert(url, table)
        .columns("k").row(i -> new Object[] {i})
        .createTable("CREATE TABLE IF NOT EXISTS " + table + " (k BIGINT PRIMARY KEY)")
        .credentials("postgres", "postgres")
        .retries(3, Duration.ofMillis(100))
        .pool(4, Duration.ofSeconds(1))
        .build();
    Pipeline p = Pipeline.create("goes-away");
    p.read(Sources.generator(i -> i).count(n).ratePerSecond(40_000)).write(sink);
    return p;
  }

  @Test
  void databaseStoppedMidRunFailsTheJobClearlyAndKeepsWholeCheckpoints() throws Exception {
    Path data = temp.resolve("pgdata");
    pg = start(data, 0);
    int port = pg.getPort();
    String url = pg.getJdbcUrl("postgres", "postgres");
    long n = 400_000;
    RunOptions options = RunOptions.streaming().withParallelism(2).withMaxAttempts(2)
        .withRetryBackoff(Duration.ofMillis(100)).withCheckpointing(temp.resolve("ck"), Duration.ofMillis(100));
    JobHandle h = job(url, "events", n).start(options);
    long seen = awaitRows(url, 20_000);
    assertThat(seen).as("rows committed before the database stops").isGreaterThanOrEqualTo(20_000);
    pg.close();
    pg = null;
    assertThatThrownBy(h::await)
        .hasStackTraceContaining("JDBC sink into table events at jdbc:postgresql://localhost:" + port)
        .hasStackTraceContaining("after 3 attempts");

    pg = start(data, port);
    // Whole checkpoints only: each generator split (indices s, s+2, s+4, ...) committed a prefix.
    List<TreeSet<Long>> bySplit = List.of(new TreeSet<>(), new TreeSet<>());
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT k FROM events")) {
      while (rs.next()) {
        long k = rs.getLong(1);
        bySplit.get((int) (k % 2)).add(k);
      }
    }
    List<Long> prefixes = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      TreeSet<Long> ks = bySplit.get(s);
      if (!ks.isEmpty()) {
        assertThat(ks.last()).as("split %d holds a prefix of its records", s).isEqualTo(s + 2L * (ks.size() - 1));
      }
      prefixes.add((long) ks.size());
    }
    assertThat(prefixes.get(0) + prefixes.get(1)).isLessThan(n).isGreaterThanOrEqualTo(seen);
    assertThat(count(url, "SELECT COUNT(*) FROM sluice_sink_commits WHERE sink_id = 'events'")).isEqualTo(2);

    JobResult r = job(url, "events", n).run(options);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(count(url, "SELECT COUNT(*) FROM events")).isEqualTo(n);
    assertThat(count(url, "SELECT COUNT(DISTINCT k) FROM events")).isEqualTo(n);
  }

  @Test
  void h2ServerStoppedMidRunFailsTheJobClearlyAndKeepsWholeCheckpoints() throws Exception {
    Path base = temp.resolve("h2");
    java.nio.file.Files.createDirectories(base);
    org.h2.tools.Server server = org.h2.tools.Server.createTcpServer("-tcpPort", "0", "-baseDir", base.toString(),
        "-ifNotExists").start();
    int port = server.getPort();
    // DB_CLOSE_DELAY=-1: the database stays open between connections (else it closes with the
    // last one, and a connection racing the close sees "Database is already closed")
    String url = "jdbc:h2:tcp://localhost:" + port + "/db;DB_CLOSE_DELAY=-1";
    long n = 400_000;
    RunOptions options = RunOptions.streaming().withParallelism(2).withMaxAttempts(2)
        .withRetryBackoff(Duration.ofMillis(100)).withCheckpointing(temp.resolve("ck-h2"), Duration.ofMillis(100));
    try {
      // Create the database before anything else connects: two first connections racing to create
      // a new database in H2's server can leave one with "Database is already closed".
      count(url, "SELECT 1");
      JobHandle h = job(url, "events", n).start(options);
      long seen = awaitRows(url, 20_000);
      assertThat(seen).as("rows committed before the server stops").isGreaterThanOrEqualTo(20_000);
      server.stop();
      assertThatThrownBy(h::await)
          .hasStackTraceContaining("JDBC sink into table events at " + url)
          .hasStackTraceContaining("after 3 attempts");
      server = org.h2.tools.Server.createTcpServer("-tcpPort", String.valueOf(port), "-baseDir", base.toString(),
          "-ifNotExists").start();
      long rows = count(url, "SELECT COUNT(*) FROM events");
      assertThat(rows).isLessThan(n).isGreaterThanOrEqualTo(seen);
      for (int s = 0; s < 2; s++) {
        long c = count(url, "SELECT COUNT(*) FROM events WHERE MOD(k, 2) = " + s);
        long max = count(url, "SELECT COALESCE(MAX(k), -1) FROM events WHERE MOD(k, 2) = " + s);
        assertThat(max).as("split %d holds a prefix of its records", s).isEqualTo(c == 0 ? -1 : s + 2L * (c - 1));
      }
      JobResult r = job(url, "events", n).run(options);
      assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
      assertThat(count(url, "SELECT COUNT(DISTINCT k) FROM events")).isEqualTo(n);
      assertThat(count(url, "SELECT COUNT(*) FROM events")).isEqualTo(n);
    } finally {
      Jdbc.closePools();
      server.stop();
    }
  }
}
