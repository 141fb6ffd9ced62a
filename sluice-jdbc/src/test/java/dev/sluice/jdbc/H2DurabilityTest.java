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

/**
 * A transaction the sink's pool has committed into an H2 file survives the process dying right
 * after the commit (H2's default write delay loses it: the pool adds {@code WRITE_DELAY=0}).
 */
class H2DurabilityTest {
  @TempDir Path dir;

  @Test
  void committedRowsSurviveAHaltRightAfterTheCommit() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
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
