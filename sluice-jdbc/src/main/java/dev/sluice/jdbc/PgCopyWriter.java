package dev.sluice.jdbc;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * PostgreSQL fast path of the exactly-once commit: rows go through {@code COPY ... FROM STDIN}
 * (text format), which is several times faster than batched INSERTs. Inserts copy straight into
 * the table; upserts copy into a temporary table dropped at commit, then run one
 * {@code INSERT INTO t SELECT ... FROM stage ON CONFLICT (keys) DO UPDATE}. The caller owns the
 * transaction; rows must already be unique per key for upserts.
 *
 * <p>Values are written as PostgreSQL parses them: an {@link Instant} as ISO-8601 UTC (exact for
 * {@code timestamptz}; a {@code timestamp} column gets the UTC wall time).
 */
final class PgCopyWriter {
  private final String table;
  private final List<String> columns;
  private final String upsertSelect; // null: insert mode

  PgCopyWriter(String table, List<String> columns, List<String> keys, boolean upsert) {
    this.table = table;
    this.columns = columns;
    if (upsert) {
      String insert = JdbcDialect.POSTGRESQL.upsertSql(table, columns, keys);
      // INSERT INTO t (cols) VALUES (?, ...) ON CONFLICT ... -> INSERT INTO t (cols) SELECT cols FROM stage ON CONFLICT ...
      int values = insert.indexOf(" VALUES (");
      int conflict = insert.indexOf(" ON CONFLICT");
      this.upsertSelect = insert.substring(0, values) + " SELECT " + String.join(", ", columns) + " FROM sluice_stage"
          + insert.substring(conflict);
    } else {
      this.upsertSelect = null;
    }
  }

  void write(Connection c, List<Object[]> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    String target = table;
    if (upsertSelect != null) {
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS pg_temp.sluice_stage");
        s.execute("CREATE TEMP TABLE sluice_stage ON COMMIT DROP AS SELECT " + String.join(", ", columns) + " FROM "
            + table + " WITH NO DATA");
      }
      target = "sluice_stage";
    }
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI()
        .copyIn("COPY " + target + " (" + String.join(", ", columns) + ") FROM STDIN");
    try {
      StringBuilder sb = new StringBuilder(1 << 16);
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          if (i > 0) {
            sb.append('\t');
          }
          value(sb, row[i]);
        }
        sb.append('\n');
        if (sb.length() >= 1 << 20) {
          flush(in, sb);
        }
      }
      flush(in, sb);
      in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
    if (upsertSelect != null) {
      try (Statement s = c.createStatement()) {
        s.executeUpdate(upsertSelect);
      }
    }
  }

  private static void flush(CopyIn in, StringBuilder sb) throws SQLException {
    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
    in.writeToCopy(b, 0, b.length);
    sb.setLength(0);
  }

  private static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("\\N");
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      sb.append(v);
    } else if (v instanceof String s) {
      escape(sb, s);
    } else if (v instanceof Double d) {
      sb.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : d.toString());
    } else if (v instanceof Float f) {
      sb.append(f.isNaN() ? "NaN" : f.isInfinite() ? (f > 0 ? "Infinity" : "-Infinity") : f.toString());
    } else if (v instanceof Boolean b) {
      sb.append(b ? 't' : 'f');
    } else if (v instanceof BigDecimal d) {
      sb.append(d.toPlainString());
    } else if (v instanceof byte[] b) {
      sb.append("\\\\x");
      for (byte x : b) {
        sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
      }
    } else {
      escape(sb, v.toString()); // Instant (ISO UTC), LocalDate(Time), Timestamp, Date, UUID
    }
  }

  private static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(ch);
      }
    }
  }
}
