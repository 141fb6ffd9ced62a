package dev.sluice.examples.clickstream;

import dev.sluice.api.sink.Sink;
import dev.sluice.jdbc.JdbcSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's two result tables and their exactly-once upsert sinks ({@link JdbcSink}, one database
 * transaction per micro-batch). Window starts are epoch milliseconds ({@code BIGINT}), so the DDL is
 * the same for H2, PostgreSQL and MySQL/MariaDB:
 * <pre>
 * user_clicks(user_id VARCHAR(64), window_start BIGINT, clicks BIGINT, PRIMARY KEY (window_start, user_id))
 * page_dwell(page VARCHAR(255), window_start BIGINT, total_dwell_ms BIGINT, clicks_with_dwell BIGINT,
 *            avg_dwell_ms DOUBLE PRECISION, PRIMARY KEY (window_start, page))
 * </pre>
 * The keys lead with the window, so a batch's new rows (the windows that just closed) land together
 * at the end of the index instead of all over it (fewer pages to write per commit in H2's B-tree).
 * In SQLite (the default database) the tables are {@code WITHOUT ROWID}: the rows are stored in the
 * primary key's B-tree itself, so an upsert searches and writes one B-tree instead of a rowid table
 * and a separate key index (about a quarter less time per upsert, docs/benchmarks.md).
 */
public final class ClickstreamTables {
  public static final String USER_CLICKS_DDL = "CREATE TABLE IF NOT EXISTS user_clicks (user_id VARCHAR(64) NOT NULL,"
      + " window_start BIGINT NOT NULL, clicks BIGINT NOT NULL, PRIMARY KEY (window_start, user_id))";
  public static final String PAGE_DWELL_DDL = "CREATE TABLE IF NOT EXISTS page_dwell (page VARCHAR(255) NOT NULL,"
      + " window_start BIGINT NOT NULL, total_dwell_ms BIGINT NOT NULL, clicks_with_dwell BIGINT NOT NULL,"
      + " avg_dwell_ms DOUBLE PRECISION NOT NULL, PRIMARY KEY (window_start, page))";

  private ClickstreamTables() {}

  /**
   * The embedded default database: the SQLite file {@code db/clickstream.db} beside the checkpoint
   * directory (the sink's pool opens it with a write-ahead log synced at every commit, see
   * {@code dev.sluice.jdbc.Jdbc}). SQLite rather than H2: it upserts the demo's rows several times
   * faster, also in a cold JVM (docs/benchmarks.md, "The clickstream demo").
   */
  public static String defaultJdbcUrl(Path checkpointDir) {
    return "jdbc:sqlite:" + defaultDatabase(checkpointDir);
  }

  /** The file of the default database. */
  public static Path defaultDatabase(Path checkpointDir) {
    Path parent = checkpointDir.getParent() != null ? checkpointDir.getParent() : checkpointDir;
    return parent.resolve("db").resolve("clickstream.db");
  }

  public static Sink<UserClicks> userClicks(String jdbcUrl) {
    return JdbcSink.<UserClicks>upsert(jdbcUrl, "user_clicks")
        .columns("user_id", "window_start", "clicks")
        .keyColumns("user_id", "window_start")
        .row(r -> new Object[] {r.userId(), r.windowStart(), r.clicks()})
        .createTable(ddl(USER_CLICKS_DDL, jdbcUrl))
        .build();
  }

  public static Sink<PageDwell> pageDwell(String jdbcUrl) {
    return JdbcSink.<PageDwell>upsert(jdbcUrl, "page_dwell")
        .columns("page", "window_start", "total_dwell_ms", "clicks_with_dwell", "avg_dwell_ms")
        .keyColumns("page", "window_start")
        .row(r -> new Object[] {r.page(), r.windowStart(), r.totalDwellMs(), r.clicksWithDwell(), r.avgDwellMs()})
        .createTable(ddl(PAGE_DWELL_DDL, jdbcUrl))
        .build();
  }

  /** {@code ddl} for the database of {@code jdbcUrl}: SQLite's tables are {@code WITHOUT ROWID}. */
  static String ddl(String ddl, String jdbcUrl) {
    return jdbcUrl.startsWith("jdbc:sqlite:") ? ddl + " WITHOUT ROWID" : ddl;
  }

  /** A line of the final report. */
  public record Top(String name, long clicks, double avgDwellMs) {}

  /** The {@code n} users with the most clicks over all windows. */
  public static List<Top> topUsers(String jdbcUrl, int n) throws SQLException {
    return query(jdbcUrl, "SELECT user_id, SUM(clicks) AS c FROM user_clicks GROUP BY user_id ORDER BY c DESC, user_id",
        n, false);
  }

  /** The {@code n} pages with the most clicks with a dwell time, with their average dwell time. */
  public static List<Top> topPages(String jdbcUrl, int n) throws SQLException {
    return query(jdbcUrl, "SELECT page, SUM(clicks_with_dwell) AS c, SUM(total_dwell_ms) AS t FROM page_dwell"
        + " GROUP BY page ORDER BY c DESC, page", n, true);
  }

  private static List<Top> query(String jdbcUrl, String sql, int n, boolean dwell) throws SQLException {
    List<Top> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
      s.setMaxRows(n);
      try (ResultSet r = s.executeQuery(sql)) {
        while (r.next() && out.size() < n) {
          long clicks = r.getLong(2);
          out.add(new Top(r.getString(1), clicks, dwell && clicks > 0 ? (double) r.getLong(3) / clicks : Double.NaN));
        }
      }
    }
    return out;
  }
}
