package dev.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Random;

/**
 * The demo's SQLite upsert with and without {@code WITHOUT ROWID} (issue 5):
 * {@code Bench sqlite-upsert [--rows 27000] [--batches 15] [--rounds 3]}.
 *
 * <p>Per round and table layout, a fresh database (write-ahead log, {@code synchronous=FULL}, as the
 * demo's sink opens it) and the demo's {@code user_clicks} table; {@code batches} transactions of
 * {@code rows} upserts each, of 20 000 users in the 1-minute windows of 200 s of event time per
 * batch (the demo's shape at 200k clicks/s). Prints the mean time per transaction after the first
 * three, and the ratio. Measures SQLite through its JDBC driver only, not the sink.
 */
public final class SqliteUpsertBench {
  private SqliteUpsertBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    int rows = (int) args.getLong("rows", 27_000);
    int batches = (int) Math.max(4, args.getLong("batches", 15));
    int rounds = (int) args.getLong("rounds", 3);
    Path work = Files.createDirectories(args.workDir().resolve("sqlite-upsert"));
    for (int round = 1; round <= rounds; round++) {
      double rowid = run(work, "", rows, batches);
      double withoutRowid = run(work, " WITHOUT ROWID", rows, batches);
      System.out.printf("round %d: %,d-row upsert transaction: rowid table %.1f ms, WITHOUT ROWID %.1f ms (%.2fx)%n",
          round, rows, rowid, withoutRowid, rowid / withoutRowid);
    }
  }

  private static double run(Path work, String layout, int rows, int batches) throws Exception {
    Path db = work.resolve("upsert" + (layout.isEmpty() ? "-rowid" : "-without-rowid") + ".db");
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(Path.of(db + suffix));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?journal_mode=WAL&synchronous=FULL")) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE user_clicks (user_id VARCHAR(64) NOT NULL, window_start BIGINT NOT NULL,"
            + " clicks BIGINT NOT NULL, PRIMARY KEY (window_start, user_id))" + layout);
      }
      c.setAutoCommit(false);
      long nanos = 0;
      Random random = new Random(1);
      try (PreparedStatement p = c.prepareStatement("INSERT INTO user_clicks (user_id, window_start, clicks)"
          + " VALUES (?, ?, ?) ON CONFLICT (window_start, user_id) DO UPDATE SET clicks = excluded.clicks")) {
        for (int b = 0; b < batches; b++) {
          long start = System.nanoTime();
          for (int i = 0; i < rows; i++) {
            long second = b * 200L + random.nextInt(200);
            p.setString(1, "u" + random.nextInt(20_000));
            p.setLong(2, 1_767_225_600_000L + second / 60 * 60_000L);
            p.setLong(3, i);
            p.addBatch();
          }
          p.executeBatch();
          c.commit();
          if (b >= 3) {
            nanos += System.nanoTime() - start;
          }
        }
      }
      return nanos / 1e6 / (batches - 3);
    }
  }
}
