package dev.sluice.jdbc;

import java.util.List;

/**
 * The SQL a database needs for inserts and upserts. Chosen from the JDBC URL by
 * {@link Jdbc#dialectFor(String)}. Immutable, thread-safe.
 */
public enum JdbcDialect {
  /** SQLite (the embedded default): {@code INSERT ... ON CONFLICT (keys) DO UPDATE SET c = excluded.c}. */
  SQLITE,
  /** H2 (embedded, pure Java): {@code MERGE INTO t (cols) KEY (keys) VALUES (...)}. */
  H2,
  /** PostgreSQL: {@code INSERT ... ON CONFLICT (keys) DO UPDATE SET c = EXCLUDED.c}. */
  POSTGRESQL,
  /** MySQL and MariaDB: {@code INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c)}. */
  MYSQL,
  /** Any other database: plain inserts only (upserts are refused with a message). */
  GENERIC;

  /** {@code INSERT INTO table (c1, c2) VALUES (?, ?)}. */
  public String insertSql(String table, List<String> columns) {
    return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + placeholders(columns.size()) + ")";
  }

  /** The upsert of one row by its key columns (which must be the table's primary key or a unique key). */
  public String upsertSql(String table, List<String> columns, List<String> keys) {
    List<String> rest = columns.stream().filter(c -> !containsIgnoreCase(keys, c)).toList();
    switch (this) {
      case H2:
        return "MERGE INTO " + table + " (" + String.join(", ", columns) + ") KEY (" + String.join(", ", keys)
            + ") VALUES (" + placeholders(columns.size()) + ")";
      case POSTGRESQL, SQLITE: {
        StringBuilder sb = new StringBuilder(insertSql(table, columns)).append(" ON CONFLICT (")
            .append(String.join(", ", keys)).append(") DO ");
        if (rest.isEmpty()) {
          return sb.append("NOTHING").toString();
        }
        sb.append("UPDATE SET ");
        for (int i = 0; i < rest.size(); i++) {
          sb.append(i == 0 ? "" : ", ").append(rest.get(i)).append(" = EXCLUDED.").append(rest.get(i));
        }
        return sb.toString();
      }
      case MYSQL: {
        StringBuilder sb = new StringBuilder(insertSql(table, columns)).append(" ON DUPLICATE KEY UPDATE ");
        List<String> set = rest.isEmpty() ? List.of(keys.get(0)) : rest;
        for (int i = 0; i < set.size(); i++) {
          sb.append(i == 0 ? "" : ", ").append(set.get(i)).append(" = VALUES(").append(set.get(i)).append(")");
        }
        return sb.toString();
      }
      default:
        throw new IllegalArgumentException("upsert is not supported for this database (only SQLite, H2, PostgreSQL,"
            + " MySQL and MariaDB URLs); use JdbcSink.insert or one of those databases");
    }
  }

  private static boolean containsIgnoreCase(List<String> l, String s) {
    for (String x : l) {
      if (x.equalsIgnoreCase(s)) {
        return true;
      }
    }
    return false;
  }

  private static String placeholders(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ", ?");
    }
    return sb.toString();
  }
}
