package dev.sluice.cli;

import dev.sluice.examples.clickstream.ClickstreamTables;
import dev.sluice.io.InputNotFoundException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice sql "<statement>"}: runs one SQL statement against the demo's database (or any JDBC
 * URL) and prints the rows as an aligned table, so the demo's results can be looked at without a
 * database client. Reads need no lock: the embedded database is opened with a write-ahead log, so a
 * query may run while the demo writes.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Runs one SQL statement against the demo's database (or --jdbc-url) and prints the rows.")
final class SqlCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<statement>",
      description = "e.g. \"SELECT * FROM page_dwell ORDER BY clicks_with_dwell DESC LIMIT 5\"")
  String statement;

  @Option(names = "--jdbc-url", paramLabel = "<url>",
      description = "The database (default: the demo's, db/clickstream.db beside --checkpoint-dir).")
  String jdbcUrl;

  @Option(names = "--checkpoint-dir", paramLabel = "<dir>",
      description = "The demo's checkpoint directory, to find its default database (default: ./"
          + DemoCommand.DEFAULT_DIR + "/checkpoints).")
  Path checkpointDir;

  @Option(names = "--max-rows", paramLabel = "<n>", defaultValue = "1000",
      description = "Print at most this many rows (default: ${DEFAULT-VALUE}).")
  int maxRows;

  @Override
  public Integer call() throws Exception {
    String url = jdbcUrl;
    if (url == null) {
      Path ck = DemoCommand.checkpointDirOrDefault(checkpointDir);
      Path db = ClickstreamTables.defaultDatabase(ck);
      if (!Files.isRegularFile(db)) {
        throw new InputNotFoundException("no demo database at " + db + ": run ./sluice demo first, or pass"
            + " --checkpoint-dir (as given to the demo) or --jdbc-url");
      }
      url = ClickstreamTables.defaultJdbcUrl(ck);
    } else if (!url.startsWith("jdbc:")) {
      throw new ParameterException(spec.commandLine(), "--jdbc-url must be a JDBC URL like jdbc:sqlite:demo.db, was '"
          + url + "'");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.setMaxRows(maxRows);
      if (s.execute(statement)) {
        try (ResultSet rs = s.getResultSet()) {
          print(rs, out);
        }
      } else {
        out.printf("%d row(s) changed%n", s.getUpdateCount());
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException("the statement failed at " + url.replaceAll("(?i)(password=)[^&;]*", "$1***")
          + ": " + e.getMessage().strip().replace('\n', ' '), e);
    }
    out.flush();
    return Main.OK;
  }

  /** The rows as columns padded to their widest value; numbers right-aligned. */
  static void print(ResultSet rs, PrintWriter out) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[n];
    boolean[] numeric = new boolean[n];
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
      width[i] = header[i].length();
    }
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object v = rs.getObject(i + 1);
        row[i] = v == null ? "NULL" : v.toString();
        numeric[i] |= v instanceof Number;
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
    }
    out.println(line(header, width, new boolean[n]));
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < n; i++) {
      rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
    }
    out.println(rule);
    for (String[] row : rows) {
      out.println(line(row, width, numeric));
    }
    out.printf("(%d row%s)%n", rows.size(), rows.size() == 1 ? "" : "s");
  }

  private static String line(String[] cells, int[] width, boolean[] right) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String pad = " ".repeat(width[i] - cells[i].length());
      sb.append(i == 0 ? "" : "  ").append(right[i] ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
    }
    return sb.toString();
  }
}
