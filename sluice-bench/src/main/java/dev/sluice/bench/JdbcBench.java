package dev.sluice.bench;

import dev.sluice.api.JobResult;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.io.Sources;
import dev.sluice.jdbc.Jdbc;
import dev.sluice.jdbc.JdbcSink;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

/**
 * JDBC upsert sink throughput (issue 5): {@code Bench jdbc [--rows N] [--keys K] [--parallelism P]
 * [--interval-ms 1000] [--batch-size B] [--runs R] [--url jdbc:postgresql://...]}.
 *
 * <p>A streaming job with checkpoints every interval (exactly-once on) upserts N generated rows
 * (key = a hash of the index mod K, value = the index) into a PostgreSQL table with a primary key:
 * an embedded PostgreSQL (zonky binaries, {@code synchronous_commit=on}, {@code fsync=on}) started
 * here, or the server at {@code --url} (user/password from {@code --user}/{@code --password}).
 * Prints rows/s per run (job start to all checkpoints committed) and checks the table has K rows.
 */
public final class JdbcBench {
  private JdbcBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long rows = args.getLong("rows", 5_000_000);
    long keys = args.getLong("keys", 1_000_000);
    int parallelism = (int) args.getLong("parallelism", 2);
    long intervalMs = args.getLong("interval-ms", 1000);
    int batch = (int) args.getLong("batch-size", 1000);
    int runs = (int) args.getLong("runs", 3);
    String url = args.get("url", null);
    String user = args.get("user", "postgres");
    String password = args.get("password", "postgres");
    EmbeddedPostgres pg = null;
    Path work = Files.createDirectories(args.workDir().resolve("jdbc"));
    if (url == null) {
      pg = EmbeddedPostgres.builder().setServerConfig("synchronous_commit", "on").setServerConfig("fsync", "on")
          .setDataDirectory(work.resolve("pgdata-" + System.nanoTime())).setCleanDataDirectory(true).start();
      url = pg.getJdbcUrl("postgres", "postgres");
      System.out.println("embedded PostgreSQL on port " + pg.getPort());
    }
    try {
      for (int run = 0; run <= runs; run++) {
        String table = "bench_upsert";
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + table);
          s.execute("DROP TABLE IF EXISTS sluice_sink_commits");
          s.execute("CREATE TABLE " + table + " (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
        }
        final long k = keys;
        JdbcSink<KV<Long, Long>> sink = JdbcSink.<KV<Long, Long>>upsert(url, table)
            .columns("k", "v").keyColumns("k")
            .row(kv -> new Object[] {kv.key(), kv.value()})
            .credentials(user, password)
            .batchSize(batch)
            .build();
        Pipeline p = Pipeline.create("jdbc-bench");
        p.read(Sources.generator(i -> KV.of(Math.floorMod(mix(i), k), i)).count(rows)).write(sink);
        Path ck = work.resolve("ck-" + run + "-" + System.nanoTime());
        long t0 = System.nanoTime();
        JobResult r = p.run(RunOptions.streaming().withParallelism(parallelism)
            .withCheckpointing(ck, Duration.ofMillis(intervalMs)));
        double secs = Args.seconds(System.nanoTime() - t0);
        long count;
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
          rs.next();
          count = rs.getLong(1);
        }
        System.out.printf(Locale.ROOT, "%s run %d: %d rows upserted (%d keys in the table) in %.2f s = %.0f rows/s, %s%n",
            run == 0 ? "warm-up" : "jdbc", run, rows, count, secs, rows / secs, r.status());
        Jdbc.closePools();
      }
    } finally {
      Jdbc.closePools();
      if (pg != null) {
        pg.close();
      }
    }
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
