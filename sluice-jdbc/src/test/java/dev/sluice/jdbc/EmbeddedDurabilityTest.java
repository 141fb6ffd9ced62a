package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A transaction the sink's pool has committed into an embedded database file survives the process
 * dying right after the commit (H2's default write delay loses it: the pool adds
 * {@code WRITE_DELAY=0}), and the pool opens SQLite with a synced write-ahead log.
 */
class EmbeddedDurabilityTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"h2", "sqlite"})
  void committedRowsSurviveAHaltRightAfterTheCommit(String db) throws Exception {
    String url = db.equals("h2") ? "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath()
        : "jdbc:sqlite:" + dir.resolve("db.sqlite").toAbsolutePath();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), url)).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("child exit (log: %s)", dir.resolve("child.log")).isEqualTo(42);
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(v) FROM t")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(50);
      assertThat(rs.getLong(2)).isEqualTo(50L * 49 / 2);
    }
  }

  @Test
  void sqlitePoolSyncsItsWriteAheadLogAtEveryCommit() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("settings.db").toAbsolutePath();
    try (Connection c = Jdbc.pool(url, null, null, 1, 10_000).getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
      }
      try (ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
        rs.next();
        assertThat(rs.getInt(1)).as("synchronous (2 = FULL)").isEqualTo(2);
      }
    } finally {
      Jdbc.closePools();
    }
    // a setting the URL names is the user's: left as given
    assertThat(Jdbc.sqliteSettings("jdbc:sqlite:x.db?synchronous=NORMAL")).doesNotContainKey("synchronous")
        .containsEntry("journal_mode", "WAL");
  }

  /** Commits 50 rows in one transaction through the sink's pool, then halts at once, closing nothing. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      Connection c = Jdbc.pool(args[0], null, null, 1, 10_000).getConnection();
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (k INT PRIMARY KEY, v INT)");
      }
      Thread.sleep(1_000); // the table is on disk whatever the write delay; only the rows are at stake
      c.setAutoCommit(false);
      for (int i = 0; i < 50; i++) {
        try (Statement s = c.createStatement()) {
          s.execute("INSERT INTO t VALUES (" + i + ", " + i + ")");
        }
      }
      c.commit();
      Runtime.getRuntime().halt(42);
    }
  }
}
