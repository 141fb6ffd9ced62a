package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobResult;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.function.MapFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.io.Sources;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's behaviour against one real database (subclasses: SQLite, H2, PostgreSQL, MariaDB): upserts equal a
 * reference map, exactly once under injected failures and restarts, replayed commits skipped.
 * Seeds are printed in assertion messages.
 */
abstract class SinkTestBase {
  static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
  private static final AtomicInteger TABLES = new AtomicInteger();

  @TempDir Path temp;

  abstract String url();

  @AfterAll
  static void closePools() {
    Jdbc.closePools();
  }

  String newTable() {
    return "t" + TABLES.incrementAndGet() + "_" + Long.toHexString(System.nanoTime() & 0xffffff);
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), "postgres", "postgres");
  }

  void exec(String sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  Map<Long, Long> readTable(String table) throws SQLException {
    Map<Long, Long> m = new TreeMap<>();
    try (Connection c = connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT k, v FROM " + table)) {
      while (rs.next()) {
        assertThat(m.put(rs.getLong(1), rs.getLong(2))).as("key %d twice", rs.getLong(1)).isNull();
      }
    }
    return m;
  }

  long count(String table) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT k) FROM " + table)) {
      rs.next();
      assertThat(rs.getLong(2)).as("distinct keys").isEqualTo(rs.getLong(1));
      return rs.getLong(1);
    }
  }

  /** Record i updates key {@code keyOf(i)} by {@code delta(i)}. */
  static long keyOf(long seed, long i, int keys) {
    return Math.floorMod(mix(seed ^ (i * 0x9E3779B97F4A7C15L)), keys);
  }

  static long delta(long seed, long i) {
    return Math.floorMod(mix(seed + i), 1000) - 300;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  static Map<Long, Long> reference(long seed, long n, int keys) {
    Map<Long, Long> m = new TreeMap<>();
    for (long i = 0; i < n; i++) {
      m.merge(keyOf(seed, i, keys), delta(seed, i), Long::sum);
    }
    return m;
  }

  /** The running sum per key, emitted at every update: the last row per key is the total. */
  static final class RunningSum extends KeyedProcessFunction<Long, KV<Long, Long>, KV<Long, Long>> {
    private transient ValueState<Long> sum;

    @Override
    public void open(InitContext ctx) {
      sum = ctx.state(StateSpec.value("sum"));
    }

    @Override
    public void processElement(KV<Long, Long> in, Context<Long> ctx, Collector<KV<Long, Long>> out) throws Exception {
      Long s = sum.value();
      long n = (s == null ? 0 : s) + in.value();
      sum.update(n);
      out.collect(KV.of(in.key(), n));
    }
  }

  static final java.util.Set<String> FAILED_AT = ConcurrentHashMap.newKeySet();

  /** Throws once at each record whose index hashes below a probability, at most {@code max} times per job key. */
  record Flaky(String job, long seed, double p, int max) implements MapFunction<Long, Long> {
    /** Whether record {@code i} is one the function throws at (once) for this seed and probability. */
    static boolean failsAt(long seed, long i, double p) {
      return p > 0 && Math.floorMod(mix(seed * 31 + i), 1_000_000) < p * 1_000_000;
    }

    /**
     * A random seed for which at least one of records {@code [0, n)} throws: with about {@code n * p}
     * such records expected, a seed with none (e^-6, 1 run in 400, for 20 000 records at 0.0003) left
     * a test with no failure to recover from.
     */
    static long seedFailingIn(long n, double p) {
      Random rnd = new Random();
      while (true) {
        long seed = rnd.nextLong();
        for (long i = 0; i < n; i++) {
          if (failsAt(seed, i, p)) {
            return seed;
          }
        }
      }
    }

    @Override
    public Long apply(Long i) {
      if (failsAt(seed, i, p) && FAILED_AT.add(job + "@" + i)) {
        AtomicInteger n = FAILURES.computeIfAbsent(job, k -> new AtomicInteger());
        if (n.incrementAndGet() <= max) {
          throw new IllegalStateException("injected failure at record " + i);
        }
      }
      return i;
    }
  }

  String createKv(String table) {
    return "CREATE TABLE IF NOT EXISTS " + table + " (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)";
  }

  JdbcSink<KV<Long, Long>> upsertSink(String table) {
    return JdbcSink.<KV<Long, Long>>upsert(url(), table)
        .columns("k", "v").keyColumns("k")
        .row(kv -> new Object[] {kv.key(), kv.value()})
        .createTable(createKv(table))
        .credentials("postgres", "postgres")
        .batchSize(500)
        .build();
  }

  /** Keyed running sums of random updates, upserted; optionally with checkpoints and injected failures. */
  JobResult runUpserts(String job, long seed, long n, int keys, int parallelism, JdbcSink<KV<Long, Long>> sink,
                       RunOptions options, double failP, int maxFailures) {
    Pipeline p = Pipeline.create(job);
    p.read(Sources.generator(i -> i).count(n).ratePerSecond(n * 2))
        .map(new Flaky(job + seed, seed, failP, maxFailures))
        .map(i -> KV.of(keyOf(seed, i, keys), delta(seed, i)))
        .keyBy(KV::key)
        .process(new RunningSum())
        .write(sink);
    return p.run(options.withParallelism(parallelism));
  }

  RunOptions checkpointed(String name) {
    return RunOptions.streaming().withMaxAttempts(30).withRetryBackoff(Duration.ZERO)
        .withCheckpointing(temp.resolve("ck-" + name), Duration.ofMillis(40));
  }

  @Test
  void batchUpsertEqualsReferenceMap() throws Exception {
    for (int round = 0; round < 3; round++) {
      long seed = new Random().nextLong();
      String t = newTable();
      int keys = 1 + new Random(seed).nextInt(300);
      long n = 2_000 + new Random(seed).nextInt(5_000);
      int par = 1 + round;
      JobResult r = runUpserts("batch", seed, n, keys, par, upsertSink(t), RunOptions.batch(), 0, 0);
      assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
      assertThat(readTable(t)).as("seed %d, parallelism %d", seed, par).isEqualTo(reference(seed, n, keys));
    }
  }

  @Test
  void streamingUpsertExactlyOnceUnderInjectedFailures() throws Exception {
    long n = 30_000;
    long seed = Flaky.seedFailingIn(n, 0.0004);
    String t = newTable();
    int keys = 500;
    JobResult r = runUpserts("flaky", seed, n, keys, 2, upsertSink(t), checkpointed("flaky"), 0.0004, 4);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(FAILURES.get("flaky" + seed).get()).as("failures injected (seed %d)", seed).isGreaterThan(0);
    assertThat(readTable(t)).as("seed %d", seed).isEqualTo(reference(seed, n, keys));
  }

  @Test
  void cancelledJobResumesFromItsCheckpointsExactlyOnce() throws Exception {
    long seed = new Random().nextLong();
    String t = newTable();
    long n = 40_000;
    JdbcSink<Long> sink = JdbcSink.<Long>insert(url(), t)
        .columns("k", "v").row(i -> new Object[] {i, i % 13})
        .createTable("CREATE TABLE IF NOT EXISTS " + t + " (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)")
        .credentials("postgres", "postgres")
        .build();
    RunOptions options = checkpointed("resume").withParallelism(2);
    Pipeline first = Pipeline.create("resume");
    first.read(Sources.generator(i -> i).count(n).ratePerSecond(10_000)).write(sink);
    dev.sluice.api.JobHandle h = first.start(options);
    long seen = 0;
    for (int i = 0; i < 400 && seen < 5_000; i++) {
      Thread.sleep(25);
      try {
        seen = count(t);
      } catch (SQLException e) {
        // the table is created when the job opens the sink
      }
    }
    h.cancel(); // like a crash: checkpoints after the last commit stay uncommitted
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    long atCancel = count(t);
    assertThat(atCancel).as("rows before the cancel (seed %d)", seed).isBetween(1L, n - 1);
    Pipeline second = Pipeline.create("resume");
    second.read(Sources.generator(i -> i).count(n).ratePerSecond(10_000)).write(sink);
    assertThat(second.run(options.withParallelism(1 + new Random(seed).nextInt(3))).status())
        .isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(count(t)).as("rows after resuming (seed %d)", seed).isEqualTo(n);
  }

  @Test
  void insertModeWritesEveryRowExactlyOnceUnderFailures() throws Exception {
    long n = 20_000;
    long seed = Flaky.seedFailingIn(n, 0.0005);
    String t = newTable();
    JdbcSink<Long> sink = JdbcSink.<Long>insert(url(), t)
        .columns("k", "v").row(i -> new Object[] {i, i * 7})
        .createTable("CREATE TABLE IF NOT EXISTS " + t + " (k BIGINT NOT NULL, v BIGINT NOT NULL)")
        .credentials("postgres", "postgres")
        .build();
    Pipeline p = Pipeline.create("insert");
    p.read(Sources.generator(i -> i).count(n).ratePerSecond(n * 2))
        .map(new Flaky("insert" + seed, seed, 0.0005, 4))
        .write(sink);
    JobResult r = p.run(checkpointed("insert").withParallelism(2));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(FAILURES.get("insert" + seed).get()).as("failures injected (seed %d)", seed).isGreaterThan(0);
    assertThat(count(t)).as("rows, seed %d", seed).isEqualTo(n);
    Map<Long, Long> got = readTable(t);
    for (long i = 0; i < n; i += 997) {
      assertThat(got.get(i)).isEqualTo(i * 7);
    }
  }

  /** The column type for byte arrays in this database. */
  abstract String binaryType();

  /**
   * The column type for a timestamp without time zone with microseconds. SQL's {@code TIMESTAMP}
   * everywhere but MySQL/MariaDB, where {@code TIMESTAMP} means something else: whole seconds unless
   * declared {@code TIMESTAMP(6)}, converted to UTC by the session time zone, 1970 to 2038 only;
   * their equivalent of SQL's {@code TIMESTAMP} is {@code DATETIME(6)}.
   */
  String timestampType() {
    return "TIMESTAMP";
  }

  /**
   * Whether DECIMAL columns keep the scale of what was written (SQLite stores a decimal as a number
   * without a declared scale, so 1.50 comes back as 1.5: equal in value, not in scale).
   */
  boolean keepsDecimalScale() {
    return true;
  }

  @Test
  void valuesOfEveryTypeRoundTrip() throws Exception {
    String t = newTable();
    Random rnd = new Random();
    List<Object[]> rows = new ArrayList<>();
    for (long i = 0; i < 300; i++) {
      String s = rnd.nextInt(5) == 0 ? null : "a\tb\\c\nd\r'\"é€" + rnd.nextInt() + (rnd.nextBoolean() ? "\t" : " \\N");
      rows.add(new Object[] {i, s, rnd.nextDouble() * 1e12 - 5e11, rnd.nextBoolean(),
          java.math.BigDecimal.valueOf(rnd.nextLong() % 1_000_000_000_000L, 5),
          java.time.LocalDate.ofEpochDay(rnd.nextInt(40_000)),
          java.time.LocalDateTime.of(2020, 1 + rnd.nextInt(12), 1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60),
              rnd.nextInt(60), rnd.nextInt(1_000_000) * 1000),
          new byte[] {(byte) i, 0, (byte) 0x5c, (byte) 0xff, 9, 10}, (int) i * -3});
    }
    for (boolean upsert : new boolean[] {false, true}) {
      String table = t + (upsert ? "u" : "i");
      String ddl = "CREATE TABLE " + table + " (k BIGINT PRIMARY KEY, s VARCHAR(100), d DOUBLE PRECISION, b BOOLEAN,"
          + " n DECIMAL(25, 5), dt DATE, ts " + timestampType() + ", bin " + binaryType() + ", x INT)";
      String[] cols = {"k", "s", "d", "b", "n", "dt", "ts", "bin", "x"};
      JdbcSink.Builder<Object[]> b = upsert
          ? JdbcSink.<Object[]>upsert(url(), table).keyColumns("k") : JdbcSink.<Object[]>insert(url(), table);
      JdbcSink<Object[]> sink = b.columns(cols).row(r -> r).createTable(ddl).credentials("postgres", "postgres").build();
      sink.open(1);
      var w = sink.writer(new dev.sluice.api.sink.WriterContext(0, 1, 0, true));
      for (Object[] r : rows) {
        w.write(r);
      }
      sink.commit(java.util.Collections.singletonList(w.prepareCommit(1)));
      try (Connection c = connect(); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT " + String.join(", ", cols) + " FROM " + table + " ORDER BY k")) {
        int i = 0;
        while (rs.next()) {
          Object[] r = rows.get(i++);
          assertThat(rs.getLong(1)).isEqualTo(r[0]);
          assertThat(rs.getString(2)).as("string %s", r[1]).isEqualTo(r[1]);
          assertThat(rs.getDouble(3)).isEqualTo((Double) r[2]);
          assertThat(rs.getBoolean(4)).isEqualTo(r[3]);
          if (keepsDecimalScale()) {
            assertThat(rs.getBigDecimal(5)).isEqualTo(r[4]);
          } else {
            assertThat(rs.getBigDecimal(5)).isEqualByComparingTo((java.math.BigDecimal) r[4]);
          }
          assertThat(rs.getObject(6, java.time.LocalDate.class)).isEqualTo(r[5]);
          assertThat(rs.getObject(7, java.time.LocalDateTime.class)).isEqualTo(r[6]);
          assertThat(rs.getBytes(8)).isEqualTo((byte[]) r[7]);
          assertThat(rs.getInt(9)).isEqualTo(r[8]);
        }
        assertThat(i).as("rows, upsert %s", upsert).isEqualTo(rows.size());
      }
    }
  }

  @Test
  void atLeastOnceUpsertsEqualReferenceMapUnderFailures() throws Exception {
    long n = 20_000;
    long seed = Flaky.seedFailingIn(n, 0.0003);
    String t = newTable();
    int keys = 300;
    JdbcSink<KV<Long, Long>> sink = JdbcSink.<KV<Long, Long>>upsert(url(), t)
        .columns("k", "v").keyColumns("k")
        .row(kv -> new Object[] {kv.key(), kv.value()})
        .createTable(createKv(t)).credentials("postgres", "postgres").batchSize(300).atLeastOnce().build();
    JobResult r = runUpserts("alo", seed, n, keys, 2, sink, checkpointed("alo"), 0.0003, 3);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(FAILURES.get("alo" + seed).get()).as("failures injected (seed %d)", seed).isGreaterThan(0);
    assertThat(readTable(t)).as("seed %d", seed).isEqualTo(reference(seed, n, keys));
  }

  @Test
  void replayedCommitIsSkipped() throws Exception {
    String t = newTable();
    JdbcSink<Long> sink = JdbcSink.<Long>insert(url(), t)
        .columns("k", "v").row(i -> new Object[] {i, -i})
        .createTable("CREATE TABLE IF NOT EXISTS " + t + " (k BIGINT NOT NULL, v BIGINT NOT NULL)")
        .credentials("postgres", "postgres")
        .build();
    sink.open(2);
    List<Object> first = new ArrayList<>();
    List<Object> second = new ArrayList<>();
    List<Object> ends = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      var writer = sink.writer(new dev.sluice.api.sink.WriterContext(w, 2, 0, true));
      for (long i = 0; i < 100; i++) {
        writer.write(w * 1000 + i);
      }
      first.add(writer.prepareCommit(7));
      for (long i = 100; i < 150; i++) {
        writer.write(w * 1000 + i);
      }
      second.add(writer.prepareCommit(9));
      writer.write(w * 1000 + 999L);
      ends.add(writer.prepareCommit());
    }
    sink.commit(first);
    assertThat(count(t)).isEqualTo(200);
    sink.recover(2, first);
    sink.recover(2, first);
    assertThat(count(t)).as("replayed checkpoint 7").isEqualTo(200);
    List<Object> both = new ArrayList<>(second);
    both.addAll(ends);
    sink.commit(both);
    assertThat(count(t)).isEqualTo(302);
    sink.recover(2, both);
    sink.recover(2, first);
    sink.commit(ends);
    assertThat(count(t)).as("replayed checkpoint 9 and the end").isEqualTo(302);
  }

  @Test
  void badConfigurationAndBadRecordsGetClearMessages() throws Exception {
    String t = newTable();
    assertThatThrownBy(() -> JdbcSink.<Long>upsert(url(), t).columns("k", "v").keyColumns("x").row(i -> null).build())
        .hasMessageContaining("key column x is not one of the columns [k, v]");
    JdbcSink<Long> noTable = JdbcSink.<Long>insert(url(), t).columns("k", "v").row(i -> new Object[] {i, i})
        .credentials("postgres", "postgres").retries(1, Duration.ZERO).build();
    assertThatThrownBy(() -> noTable.open(1)).hasMessageContaining("table " + t)
        .hasMessageContaining("create it first");
    JdbcSink<Long> badRow = JdbcSink.<Long>insert(url(), t).columns("k", "v").row(i -> new Object[] {i})
        .createTable(createKv(t)).credentials("postgres", "postgres").build();
    Pipeline p = Pipeline.create("bad-row");
    p.read(Sources.generator(i -> i).count(10)).write(badRow);
    assertThatThrownBy(() -> p.run(RunOptions.batch()))
        .hasStackTraceContaining("expected 2 (columns [k, v])")
        .hasStackTraceContaining("the row mapper returned 1 values for record ");
  }
}
