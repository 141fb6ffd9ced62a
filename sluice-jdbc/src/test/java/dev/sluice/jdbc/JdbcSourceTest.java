package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JdbcSource} against SQLite, H2, a real PostgreSQL and a real MariaDB: partitioned parallel reads equal
 * {@code SELECT *} (also with checkpoints and injected failures); incremental micro-batch jobs read
 * rows appended between runs exactly once. Seeds are printed in assertion messages.
 */
class JdbcSourceTest {
  @TempDir static Path dir;
  @TempDir Path temp;
  static EmbeddedPg pg;
  static EmbeddedMariaDb maria;
  static String h2;
  static String sqlite;
  private static final AtomicInteger TABLES = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    pg = new EmbeddedPg();
    maria = new EmbeddedMariaDb(dir.resolve("mariadb"));
    h2 = "jdbc:h2:file:" + dir.resolve("src").toAbsolutePath();
    sqlite = "jdbc:sqlite:" + dir.resolve("src.db").toAbsolutePath();
  }

  @AfterAll
  static void stop() throws Exception {
    Jdbc.closePools();
    try {
      pg.close();
    } finally {
      maria.close();
    }
  }

  static String url(String db) {
    return switch (db) {
      case "h2" -> h2;
      case "sqlite" -> sqlite;
      case "mariadb" -> maria.url();
      default -> pg.url();
    };
  }

  static Connection connect(String url) throws Exception {
    return DriverManager.getConnection(url, "postgres", "postgres");
  }

  /** A table of rows (id, name) with random ids (duplicates included); returns its rows as "id:name", sorted. */
  static List<String> fill(String url, String table, Random rnd, int rows, long firstId, boolean create) throws Exception {
    try (Connection c = connect(url)) {
      if (create) {
        try (Statement s = c.createStatement()) {
          s.execute("CREATE TABLE " + table + " (id BIGINT NOT NULL, name VARCHAR(40))");
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, name) VALUES (?, ?)")) {
        for (int i = 0; i < rows; i++) {
          long id = firstId < 0 ? rnd.nextInt(20_000) - 500 : firstId + i;
          ps.setLong(1, id);
          ps.setString(2, rnd.nextInt(10) == 0 ? null : "n" + rnd.nextInt(1_000_000));
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    return selectAll(url, table);
  }

  static List<String> selectAll(String url, String table) throws Exception {
    List<String> l = new ArrayList<>();
    try (Connection c = connect(url); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, name FROM " + table)) {
      while (rs.next()) {
        l.add(rs.getLong(1) + ":" + rs.getString(2));
      }
    }
    l.sort(null);
    return l;
  }

  static JdbcSource.Builder<String> source(String url, String table) {
    return JdbcSource.<String>query(url, "SELECT id, name FROM " + table + " WHERE id >= ? AND id < ?")
        .credentials("postgres", "postgres")
        .fetchSize(257)
        .map(rs -> rs.getLong("id") + ":" + rs.getString("name"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "h2", "pg", "mariadb"})
  void partitionedParallelReadEqualsSelectAll(String db) throws Exception {
    for (int round = 0; round < 4; round++) {
      long seed = new Random().nextLong();
      Random rnd = new Random(seed);
      String table = "src" + TABLES.incrementAndGet();
      List<String> expected = fill(url(db), table, rnd, round == 0 ? 0 : 1 + rnd.nextInt(5_000), -1, true);
      JdbcSource.Builder<String> b = source(url(db), table).partitions(1 + rnd.nextInt(6));
      if (rnd.nextBoolean()) {
        b.partitionColumn("id");
      } else {
        b.partitionColumn("id", rnd.nextInt(5_000), 5_000 + rnd.nextInt(10_000)); // rows outside are read too
      }
      int par = 1 + rnd.nextInt(3);
      List<String> got = new ArrayList<>(Pipeline.create("read").read(b.build())
          .collect(RunOptions.batch().withParallelism(par)));
      got.sort(null);
      assertThat(got).as("%s, seed %d, parallelism %d", db, seed, par).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "h2", "pg", "mariadb"})
  void checkpointedReadIsExactlyOnceUnderInjectedFailures(String db) throws Exception {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    String table = "ck" + TABLES.incrementAndGet();
    List<String> expected = fill(url(db), table, rnd, 30_000, -1, true);
    String job = "ckread-" + db + seed;
    CollectSink<String> sink = new CollectSink<>();
    Pipeline q = Pipeline.create("ckread2");
    q.read(source(url(db), table).partitionColumn("id").partitions(3).build())
        .map(new FailingIdentity(job, seed))
        .write(sink);
    JobResult r = q.run(RunOptions.streaming().withParallelism(2).withMaxAttempts(20).withRetryBackoff(Duration.ZERO)
        .withCheckpointing(temp.resolve("ck"), Duration.ofMillis(20)));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(SinkTestBase.FAILURES.get(job).get()).as("failures injected (seed %d)", seed).isGreaterThan(0);
    List<String> got = new ArrayList<>(sink.result());
    got.sort(null);
    assertThat(got).as("%s, seed %d", db, seed).isEqualTo(expected);
  }

  /** Throws once at a few records chosen by the seed, at most 3 times per job. */
  record FailingIdentity(String job, long seed) implements dev.sluice.api.function.MapFunction<String, String> {
    @Override
    public String apply(String s) {
      if (Math.floorMod(SinkTestBase.mix(seed ^ s.hashCode()), 10_000) < 3 && SinkTestBase.FAILED_AT.add(job + "@" + s)) {
        if (SinkTestBase.FAILURES.computeIfAbsent(job, k -> new AtomicInteger()).incrementAndGet() <= 3) {
          throw new IllegalStateException("injected failure at " + s);
        }
      }
      return s;
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "h2", "pg", "mariadb"})
  void incrementalMicroBatchReadsAppendedRowsExactlyOnce(String db) throws Exception {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    String table = "inc" + TABLES.incrementAndGet();
    String target = "copy" + TABLES.incrementAndGet();
    Path ck = temp.resolve("ck");
    long total = 0;
    for (int run = 0; run < 4; run++) {
      int added = run == 2 ? 0 : 1 + rnd.nextInt(3_000);
      fill(url(db), table, rnd, added, total + 1, run == 0);
      total += added;
      Pipeline p = Pipeline.create("incremental");
      p.read(source(url(db), table).incremental("id").build())
          .write(JdbcSink.<String>insert(url(db), target)
              .columns("id", "name")
              .row(s -> {
                int i = s.indexOf(':');
                String name = s.substring(i + 1);
                return new Object[] {Long.parseLong(s.substring(0, i)), name.equals("null") ? null : name};
              })
              .createTable("CREATE TABLE IF NOT EXISTS " + target + " (id BIGINT PRIMARY KEY, name VARCHAR(40))")
              .credentials("postgres", "postgres")
              .build());
      JobResult r = p.run(RunOptions.availableNow().withParallelism(2)
          .withTrigger(new RunOptions.Trigger(Duration.ofMillis(10), true).withMaxOffsetsPerSplit(1 + rnd.nextInt(2_000)))
          .withCheckpointing(ck, Duration.ofSeconds(1)));
      assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
      assertThat(selectAll(url(db), target)).as("%s, run %d, seed %d", db, run, seed)
          .isEqualTo(selectAll(url(db), table));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "h2", "pg", "mariadb"})
  void incrementalStreamingReadPollsForAppendedRows(String db) throws Exception {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    String table = "poll" + TABLES.incrementAndGet();
    String target = "pcopy" + TABLES.incrementAndGet();
    fill(url(db), table, rnd, 500, 1, true);
    Pipeline p = Pipeline.create("poll");
    p.read(source(url(db), table).incremental("id").pollInterval(Duration.ofMillis(30)).build())
        .write(JdbcSink.<String>insert(url(db), target)
            .columns("id").row(s -> new Object[] {Long.parseLong(s.substring(0, s.indexOf(':')))})
            .createTable("CREATE TABLE IF NOT EXISTS " + target + " (id BIGINT PRIMARY KEY)")
            .credentials("postgres", "postgres")
            .build());
    dev.sluice.api.JobHandle h = p.start(RunOptions.streaming().withParallelism(2)
        .withCheckpointing(temp.resolve("ck"), Duration.ofMillis(50)));
    try {
      long total = 500;
      for (int round = 0; round < 4; round++) {
        long want = total;
        long got = 0;
        for (int i = 0; i < 600 && got < want; i++) {
          Thread.sleep(20);
          try (Connection c = connect(url(db)); Statement st = c.createStatement();
               ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + target)) {
            rs.next();
            got = rs.getLong(1);
          } catch (java.sql.SQLException e) {
            // the target table is created when the job opens the sink
          }
        }
        assertThat(got).as("%s round %d: rows copied (seed %d)", db, round, seed).isEqualTo(want);
        int added = 1 + rnd.nextInt(400);
        fill(url(db), table, rnd, added, total + 1, false);
        total += added;
      }
    } finally {
      h.cancel();
      h.await();
    }
  }
}
