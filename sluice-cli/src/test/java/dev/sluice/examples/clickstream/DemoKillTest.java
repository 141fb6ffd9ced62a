package dev.sluice.examples.clickstream;
import static dev.sluice.core.testing.ChildJvm.tail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.Main;
import dev.sluice.core.checkpoint.MicroBatchLog;
import dev.sluice.core.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end test: {@code sluice demo} for a fixed number of events in a child JVM,
 * killed with SIGKILL twice while it runs (after a random number of committed micro-batches plus a
 * random pause, so also between a batch's database commit and its commit-log entry), then run again
 * to the end on the same checkpoint directory; both H2 tables must then equal the independent
 * computation ({@link ClickReference}) over the dumped events: the same rows, no missing or extra
 * ones, the same values.
 */
class DemoKillTest {
  static final long EVENTS = 150_000;
  static final long RATE = 30_000;

  @TempDir Path tmp;

  private Process start(Path ck, Path dump, Path log) throws IOException {
    return ChildJvm.start(log, List.of("-Xmx512m", "-XX:+UseSerialGC"), Main.class.getName(), List.of("demo",
        "--events", Long.toString(EVENTS), "--rate", Long.toString(RATE), "--clicks-per-second", "400", "--seed", "7",
        "--checkpoint-dir", ck.toString(), "--dump-events", dump.toString(), "--trigger-interval", "300ms", "-p", "2",
        "--top", "3"));
  }

  private static long committed(Path ck) {
    try {
      Path commits = ck.resolve(Clickstream.JOB).resolve("commits");
      if (!Files.isDirectory(commits)) {
        return 0;
      }
      List<Long> ids = new MicroBatchLog(ck.resolve(Clickstream.JOB)).committedIds();
      return ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
    } catch (IOException e) {
      return 0; // raced with pruning
    }
  }

  @Test
  void killedTwiceAndRunAgainTheTablesHoldEveryWindowExactlyOnce() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Path ck = tmp.resolve("demo").resolve("checkpoints");
    Path dump = tmp.resolve("events.jsonl");
    Path log = tmp.resolve("demo.log");
    String url = ClickstreamTables.defaultJdbcUrl(ck);
    int kills = 0;
    long lastBatch = 0;
    for (int run = 0; run < 2; run++) {
      Process child = start(ck, dump, log);
      long target = Math.max(lastBatch + 1 + random.nextInt(4), run == 1 ? 6 : 0); // by batch 6 windows have closed
      ChildJvm.awaitWhileAlive(child, () -> committed(ck) < target, 90, 20);
      assertThat(child.isAlive()).as("run %d ended before batch %d was committed (seed %d):%n%s", run, target, seed,
          tail(log)).isTrue();
      assertThat(committed(ck)).as("no progress in 90 s (seed %d):%n%s", seed, tail(log)).isGreaterThanOrEqualTo(target);
      Thread.sleep(random.nextInt(300));
      ChildJvm.kill(child);
      kills++;
      lastBatch = committed(ck);
      Files.writeString(log, "---- killed after batch " + lastBatch + "\n", java.nio.file.StandardOpenOption.APPEND);
    }
    // the tables hold a prefix of the result now: some rows, not all
    long rowsAfterKills = count(url, "user_clicks") + count(url, "page_dwell");

    Process last = start(ck, dump, log);
    assertThat(last.waitFor(120, TimeUnit.SECONDS)).as("the last run did not end (seed %d):%n%s", seed, tail(log)).isTrue();
    assertThat(last.exitValue()).as("exit code of the last run (seed %d):%n%s", seed, tail(log)).isZero();
    assertThat(tail(log)).contains("finished after").contains("top pages");

    List<Click> clicks = ClickReference.read(dump);
    assertThat(clicks).hasSize((int) EVENTS);
    Map<String, Long> users = ClickReference.userClicks(clicks);
    Map<String, List<Long>> pages = ClickReference.pageDwell(clicks);
    Map<String, Long> gotUsers = new TreeMap<>();
    Map<String, List<Long>> gotPages = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT user_id, window_start, clicks FROM user_clicks")) {
        while (r.next()) {
          gotUsers.put(r.getString(1) + "|" + r.getLong(2), r.getLong(3));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT page, window_start, total_dwell_ms, clicks_with_dwell, avg_dwell_ms"
          + " FROM page_dwell")) {
        while (r.next()) {
          gotPages.put(r.getString(1) + "|" + r.getLong(2), List.of(r.getLong(3), r.getLong(4)));
          assertThat(r.getDouble(5)).isEqualTo((double) r.getLong(3) / r.getLong(4));
        }
      }
      // the default database keeps the rows in the primary key's B-tree (one B-tree per upsert)
      try (ResultSet r = s.executeQuery("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
          + " AND name IN ('user_clicks', 'page_dwell')")) {
        int tables = 0;
        while (r.next()) {
          assertThat(r.getString(2)).as("DDL of %s", r.getString(1)).endsWith("WITHOUT ROWID");
          tables++;
        }
        assertThat(tables).isEqualTo(2);
      }
    }
    System.out.printf("DemoKillTest: seed %d, %d kills, %d rows after the kills, %d user_clicks and %d page_dwell rows"
        + " at the end%n", seed, kills, rowsAfterKills, gotUsers.size(), gotPages.size());
    assertThat(rowsAfterKills).as("rows committed before the last run").isPositive()
        .isLessThan(users.size() + pages.size());
    assertThat(gotUsers).as("user_clicks (seed %d)", seed).isEqualTo(users);
    assertThat(gotPages).as("page_dwell (seed %d)", seed).isEqualTo(pages);
  }

  private static long count(String url, String table) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      if (e.getMessage().contains("not found")) {
        return 0; // not created yet
      }
      throw e;
    }
  }
}
