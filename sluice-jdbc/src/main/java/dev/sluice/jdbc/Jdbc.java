package dev.sluice.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entry points shared by {@link JdbcSink} and {@link JdbcSource}: the dialect of a URL, and the
 * JVM-wide HikariCP pools (one per URL and user; created on first use, closed by
 * {@link #closePools()} or at JVM exit). Thread-safe.
 */
public final class Jdbc {
  private static final Map<String, HikariDataSource> POOLS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Jdbc::closePools, "sluice-jdbc-pools"));
  }

  private Jdbc() {}

  /**
   * The dialect for a JDBC URL: {@code jdbc:sqlite:}, {@code jdbc:h2:}, {@code jdbc:postgresql:},
   * {@code jdbc:mysql:}/{@code jdbc:mariadb:}, else generic.
   */
  public static JdbcDialect dialectFor(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:sqlite:")) {
      return JdbcDialect.SQLITE;
    }
    if (u.startsWith("jdbc:h2:")) {
      return JdbcDialect.H2;
    }
    if (u.startsWith("jdbc:postgresql:")) {
      return JdbcDialect.POSTGRESQL;
    }
    if (u.startsWith("jdbc:mysql:") || u.startsWith("jdbc:mariadb:")) {
      return JdbcDialect.MYSQL;
    }
    return JdbcDialect.GENERIC;
  }

  /** Closes every pool this JVM opened (tests; a long-running process switching databases). */
  public static void closePools() {
    for (String k : POOLS.keySet()) {
      HikariDataSource ds = POOLS.remove(k);
      if (ds != null) {
        ds.close();
      }
    }
  }

  /** The pooled data source for {@code url} and {@code user}; the first caller's settings win. */
  static HikariDataSource pool(String url, String user, String password, int maxSize, long connectTimeoutMs) {
    String key = url + '\u0000' + (user == null ? "" : user) + '\u0000' + (password == null ? 0 : password.hashCode());
    return POOLS.computeIfAbsent(key, k -> {
      if (dialectFor(url) == JdbcDialect.SQLITE) {
        createSqliteDirectory(url); // throws before a pool is made; the next call tries again
      }
      HikariConfig c = new HikariConfig();
      c.setJdbcUrl(driverUrl(durable(url)));
      if (user != null) {
        c.setUsername(user);
        c.setPassword(password);
      }
      c.setMaximumPoolSize(maxSize);
      c.setMinimumIdle(0);
      c.setConnectionTimeout(Math.max(250, connectTimeoutMs));
      c.setValidationTimeout(Math.max(250, Math.min(5_000, connectTimeoutMs)));
      c.setInitializationFailTimeout(-1); // the database may come up later: errors surface per connection
      c.setAutoCommit(true);
      c.setPoolName("sluice-jdbc-" + POOLS.size());
      switch (dialectFor(url)) {
        case POSTGRESQL -> c.addDataSourceProperty("reWriteBatchedInserts", "true");
        case MYSQL -> c.addDataSourceProperty("rewriteBatchedStatements", "true");
        case SQLITE -> sqliteSettings(url).forEach(c::addDataSourceProperty);
        default -> { }
      }
      return new HikariDataSource(c);
    });
  }

  /**
   * The URL with what makes a commit durable when the database confirms it. H2 delays writing
   * committed transactions to its file by 500 ms by default (its {@code WRITE_DELAY}): a process
   * killed in that window loses transactions H2 had already confirmed, which breaks exactly-once
   * (the sink's commit record would be lost with the rows, but the checkpoint that relied on them
   * would not). So an H2 database in a file gets {@code ;WRITE_DELAY=0} unless the URL sets it;
   * in-memory databases and other databases are left as they are.
   */
  static String durable(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:h2:") && !u.startsWith("jdbc:h2:mem:") && !u.contains("write_delay")) {
      return url + ";WRITE_DELAY=0";
    }
    return url;
  }

  /**
   * The URL as the driver on the class path accepts it. MariaDB's driver (the one this module ships
   * for MySQL and MariaDB) refuses {@code jdbc:mysql:} URLs unless they carry its {@code
   * permitMysqlScheme} option ("No suitable driver"), so a {@code jdbc:mysql:} URL that no driver
   * accepts gets that option; with MySQL's Connector/J on the class path it is left as it is.
   */
  static String driverUrl(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (!u.startsWith("jdbc:mysql:") || u.contains("permitmysqlscheme")) {
      return url;
    }
    try {
      java.sql.DriverManager.getDriver(url);
      return url;
    } catch (SQLException noDriver) {
      return url + (url.indexOf('?') >= 0 ? "&" : "?") + "permitMysqlScheme";
    }
  }

  /**
   * Creates the directory of a SQLite database file if it is missing (SQLite creates the file, not
   * its directory, and would only say "unable to open database file"), as file sinks create their
   * output directory. In-memory databases are left alone.
   *
   * @throws IllegalArgumentException naming the file when the directory cannot be created
   */
  static void createSqliteDirectory(String url) {
    String path = url.substring("jdbc:sqlite:".length());
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (path.startsWith("file:")) {
      path = path.substring("file:".length());
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
    }
    if (path.isEmpty() || path.startsWith(":memory:") || path.contains("mode=memory")) {
      return;
    }
    Path dir = Path.of(path).toAbsolutePath().getParent();
    if (dir == null || Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot create the directory " + dir + " of the SQLite database " + path
          + " (" + e + "): fix the JDBC URL or create the directory", e);
    }
  }

  /**
   * What a SQLite database needs for the sink's transactions, unless the URL sets it: write-ahead
   * logging (readers, e.g. a query while the demo runs, do not block the writer), {@code
   * synchronous=FULL} (the log is synced at every commit, so a confirmed transaction survives a
   * crash or power loss), {@code BEGIN IMMEDIATE} transactions (the write lock is taken at the start,
   * so two sinks committing at once wait for each other instead of failing when the reader of the
   * first upgrades to a writer) and a 30 s busy timeout for that wait.
   */
  static Map<String, String> sqliteSettings(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    Map<String, String> settings = new LinkedHashMap<>();
    for (String[] kv : new String[][] {{"journal_mode", "WAL"}, {"synchronous", "FULL"},
        {"transaction_mode", "IMMEDIATE"}, {"busy_timeout", "30000"}}) {
      if (!u.contains(kv[0] + "=")) {
        settings.put(kv[0], kv[1]);
      }
    }
    return settings;
  }

  /**
   * Closes and forgets a pool that could not connect, so the next attempt starts a fresh one
   * (a pool whose database went away and came back may otherwise keep failing for a while).
   */
  static void evict(HikariDataSource ds) {
    if (POOLS.values().removeIf(v -> v == ds)) {
      ds.close();
    }
  }

  /** The URL for messages, with any password parameter masked. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  /**
   * Whether an error may go away by itself (connection lost, database restarting, deadlock or
   * serialization failure), so that retrying the same transaction makes sense.
   */
  static boolean transientError(Throwable t) {
    // A refused login, a missing database or a SQLite file that cannot be opened (or is not a
    // database, or is corrupt) does not go away by retrying, even when the pool reports it as a
    // transient timeout (HikariCP's "connection is not available" carries the driver's last
    // failure as its cause): fail at once with the database's reason.
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLException s && (s.getSQLState() != null
          && (s.getSQLState().startsWith("28") || s.getSQLState().equals("3D000"))
          || s.getMessage() != null && (s.getMessage().startsWith("[SQLITE_CANTOPEN")
              || s.getMessage().startsWith("[SQLITE_NOTADB") || s.getMessage().startsWith("[SQLITE_CORRUPT")))) {
        return false;
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLTransientException || c instanceof SQLRecoverableException) {
        return true;
      }
      if (c instanceof SQLException s) {
        String state = s.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("40") || state.startsWith("53")
            || state.startsWith("57P") || state.startsWith("HY") && s.getMessage() != null
            && s.getMessage().toLowerCase(Locale.ROOT).contains("connection"))) {
          return true;
        }
        // SQLite: the database is locked by another writer beyond the busy timeout
        if (s.getMessage() != null && (s.getMessage().startsWith("[SQLITE_BUSY")
            || s.getMessage().startsWith("[SQLITE_LOCKED"))) {
          return true;
        }
        // H2: database closed / connection broken / timeout trying to lock
        int code = s.getErrorCode();
        if (code == 90098 || code == 90067 || code == 90121 || code == 50200 || code == 40001) {
          return true;
        }
      }
      if (c instanceof SQLException && c.getMessage() != null && c.getMessage().contains("has been closed")) {
        return true; // a pool evicted under us
      }
      if (c instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private static Throwable next(Throwable c) {
    if (c instanceof java.sql.BatchUpdateException b && b.getNextException() != null && b.getCause() == null) {
      return b.getNextException();
    }
    return c.getCause();
  }

  /** One line: the exception chain's messages, for error messages. */
  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    String last = null;
    for (Throwable c = t; c != null && sb.length() < 800; c = next(c)) {
      String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage().strip().replace('\n', ' ');
      if (m.length() > 240) {
        m = m.substring(0, 120) + " ... " + m.substring(m.length() - 100);
      }
      if (!m.equals(last)) {
        sb.append(sb.length() == 0 ? "" : "; caused by: ").append(m);
      }
      last = m;
    }
    return sb.toString();
  }
}
