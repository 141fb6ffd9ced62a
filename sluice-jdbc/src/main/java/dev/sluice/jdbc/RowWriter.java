package dev.sluice.jdbc;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes rows as JDBC batches of the sink's insert or upsert statement on a connection the
 * caller owns (and commits). In upsert mode the rows are first reduced to the last row per key:
 * a multi-row upsert may not touch one key twice (PostgreSQL refuses "ON CONFLICT DO UPDATE
 * command cannot affect row a second time"), and it saves the database work.
 */
final class RowWriter {
  private final String sql;
  private final int[] keyIndexes; // null: insert mode
  private final int batchSize;

  RowWriter(String sql, int[] keyIndexes, int batchSize) {
    this.sql = sql;
    this.keyIndexes = keyIndexes;
    this.batchSize = batchSize;
  }

  /** The insert or upsert statement. */
  String sql() {
    return sql;
  }

  /** Writes every row (deduplicated by key in upsert mode); returns how many statements ran. */
  int write(Connection c, List<Object[]> rows) throws SQLException {
    if (rows.isEmpty()) {
      return 0;
    }
    List<Object[]> todo = keyIndexes == null ? rows : lastPerKey(rows);
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int n = 0;
      for (Object[] row : todo) {
        for (int i = 0; i < row.length; i++) {
          bind(ps, i + 1, row[i]);
        }
        ps.addBatch();
        if (++n % batchSize == 0) {
          ps.executeBatch();
        }
      }
      if (n % batchSize != 0) {
        ps.executeBatch();
      }
      return todo.size();
    }
  }

  List<Object[]> lastPerKey(List<Object[]> rows) {
    Map<Object, Integer> last = new HashMap<>(rows.size() * 2);
    for (int r = 0; r < rows.size(); r++) {
      last.put(key(rows.get(r)), r);
    }
    if (last.size() == rows.size()) {
      return rows;
    }
    List<Object[]> out = new ArrayList<>(last.size());
    for (int r = 0; r < rows.size(); r++) {
      if (last.get(key(rows.get(r))) == r) {
        out.add(rows.get(r));
      }
    }
    return out;
  }

  private Object key(Object[] row) {
    if (keyIndexes.length == 1) {
      return keyPart(row[keyIndexes[0]]);
    }
    Object[] k = new Object[keyIndexes.length];
    for (int i = 0; i < k.length; i++) {
      k[i] = keyPart(row[keyIndexes[i]]);
    }
    return Arrays.asList(k);
  }

  private static Object keyPart(Object v) {
    return v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
  }

  static void bind(PreparedStatement ps, int i, Object v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.NULL);
    } else if (v instanceof String s) {
      ps.setString(i, s);
    } else if (v instanceof Long x) {
      ps.setLong(i, x);
    } else if (v instanceof Integer x) {
      ps.setInt(i, x);
    } else if (v instanceof Double x) {
      ps.setDouble(i, x);
    } else if (v instanceof Instant t) {
      ps.setTimestamp(i, Timestamp.from(t));
    } else {
      ps.setObject(i, v);
    }
  }
}
