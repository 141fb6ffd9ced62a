package dev.sluice.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads the rows of a query, in parallel by ranges of a numeric (integer) column.
 *
 * <pre>{@code
 * Source<Order> orders = JdbcSource.<Order>query(url, "SELECT id, customer, total FROM orders WHERE id >= ? AND id < ?")
 *     .partitionColumn("id")          // bounds from MIN/MAX, or partitionColumn("id", lower, upper)
 *     .partitions(4)
 *     .map(rs -> new Order(rs.getLong("id"), rs.getString("customer"), rs.getBigDecimal("total")))
 *     .build();
 * }</pre>
 *
 * <p>The query has two parameters, bound to the start (inclusive) and end (exclusive) of a range
 * of the partition column, which must be in its select list. Each split reads one range (the
 * first and last ranges are open-ended, so no row outside the bounds is lost), ordered by the
 * column, on a pooled connection held while the
 * range is read. The query must not end in a LIMIT (an {@code ORDER BY} is appended unless it
 * has one, which must then order by the column first). Supported column values: {@code -2^62 <= v < 2^62}.
 *
 * <p>Checkpoints: a reader's position is the key after the last one emitted; it emits all rows of
 * one key in the same chunk, so the column need not be unique.
 *
 * <p><b>Incremental mode</b> ({@link Builder#incremental}): one unbounded split that reads rows
 * whose (monotonically increasing) column is above the last one read. In streaming mode it polls
 * every {@link Builder#pollInterval}; in micro-batch mode each batch reads
 * {@code [offset, MAX(column) + 1)} as planned. Rows must become visible in column order (a
 * transaction that commits a lower id after a higher one was read is missed, as with any
 * watermark-by-column reader).
 */
public final class JdbcSource<T> implements Source<T> {
  private static final long serialVersionUID = 1L;
  /** The column domain: keeps micro-batch offset arithmetic (end - start) clear of overflow. */
  static final long LOW = -(1L << 62);
  static final long HIGH = 1L << 62;
  private static final int CHUNK = 1000;

  private final String url;
  private final String sql;
  private final String column;
  private final Long lower;
  private final Long upper;
  private final int partitions;
  private final JdbcResultMapper<T> mapper;
  private final String user;
  private final String password;
  private final int fetchSize;
  private final boolean incremental;
  private final long pollMillis;

  private JdbcSource(Builder<T> b) {
    this.url = b.url;
    this.sql = b.sql;
    this.column = b.column;
    this.lower = b.lower;
    this.upper = b.upper;
    this.partitions = b.partitions;
    this.mapper = b.mapper;
    this.user = b.user;
    this.password = b.password;
    this.fetchSize = b.fetchSize;
    this.incremental = b.incremental;
    this.pollMillis = b.poll.toMillis();
  }

  /** A source reading {@code sql}, which has two parameters: the start and end of a partition-column range. */
  public static <T> Builder<T> query(String url, String sql) {
    return new Builder<>(url, sql);
  }

  /** Configures a {@link JdbcSource}. Not thread-safe. */
  public static final class Builder<T> {
    private final String url;
    private final String sql;
    private String column;
    private Long lower;
    private Long upper;
    private int partitions;
    private JdbcResultMapper<T> mapper;
    private String user;
    private String password;
    private int fetchSize = 1000;
    private boolean incremental;
    private Duration poll = Duration.ofSeconds(1);

    private Builder(String url, String sql) {
      this.url = Objects.requireNonNull(url, "url");
      this.sql = Objects.requireNonNull(sql, "sql");
      if (!url.startsWith("jdbc:")) {
        throw new IllegalArgumentException("not a JDBC URL: '" + url + "'");
      }
    }

    /** The partition column; its bounds come from {@code MIN}/{@code MAX} over the query when the job starts. */
    public Builder<T> partitionColumn(String column) {
      this.column = Objects.requireNonNull(column, "column");
      return this;
    }

    /** The partition column and the bounds (inclusive) to split between; rows outside are read too. */
    public Builder<T> partitionColumn(String column, long lower, long upper) {
      if (lower > upper) {
        throw new IllegalArgumentException("lower bound " + lower + " is above upper bound " + upper);
      }
      this.column = Objects.requireNonNull(column, "column");
      this.lower = lower;
      this.upper = upper;
      return this;
    }

    /** How many ranges to read in parallel (default: the job's parallelism). */
    public Builder<T> partitions(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("partitions must be positive, was " + n);
      }
      this.partitions = n;
      return this;
    }

    /** Maps the current row to a record. */
    public Builder<T> map(JdbcResultMapper<T> mapper) {
      this.mapper = mapper;
      return this;
    }

    public Builder<T> credentials(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    /** Rows fetched per round trip (default 1000). */
    public Builder<T> fetchSize(int rows) {
      if (rows <= 0) {
        throw new IllegalArgumentException("fetchSize must be positive, was " + rows);
      }
      this.fetchSize = rows;
      return this;
    }

    /**
     * Incremental mode: an unbounded source reading new rows by {@code column}, which only grows;
     * starts at the smallest value present when the job starts (or the lower bound of
     * {@link #partitionColumn(String, long, long)}).
     */
    public Builder<T> incremental(String column) {
      this.column = Objects.requireNonNull(column, "column");
      this.incremental = true;
      return this;
    }

    /** Incremental mode in streaming jobs: how often to look for new rows when there were none (default 1 s). */
    public Builder<T> pollInterval(Duration d) {
      this.poll = d;
      return this;
    }

    public JdbcSource<T> build() {
      if (column == null) {
        throw new IllegalArgumentException("JDBC source: no partition column; call partitionColumn(\"id\") or"
            + " incremental(\"id\")");
      }
      if (mapper == null) {
        throw new IllegalArgumentException("JDBC source: no row mapper; call map(rs -> ...)");
      }
      long params = sql.chars().filter(c -> c == '?').count();
      if (params != 2) {
        throw new IllegalArgumentException("JDBC source query must have exactly two parameters (the range of "
            + column + ": '... WHERE " + column + " >= ? AND " + column + " < ?'), found " + params + ": " + sql);
      }
      return new JdbcSource<>(this);
    }
  }

  @Override
  public boolean bounded() {
    return !incremental;
  }

  @Override
  public String name() {
    String q = sql.length() > 60 ? sql.substring(0, 60) + "..." : sql;
    return "jdbc(" + (incremental ? "incremental " : "") + q + ")";
  }

  private HikariDataSource pool() {
    return Jdbc.pool(url, user, password, 16, 10_000);
  }

  /**
   * The query ordered by the column. Appended rather than wrapped in a derived table: H2 re-runs a
   * derived table's query per fetched row (quadratic). A query with its own ORDER BY is kept as is.
   */
  private String ordered() {
    return sql.toLowerCase(java.util.Locale.ROOT).contains("order by") ? sql : sql + " ORDER BY " + column;
  }

  /** MIN and MAX of the column over {@code [from, to)}, or null when no row is there. */
  private long[] minMax(long from, long to) throws IOException {
    try (Connection c = pool().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT MIN(" + column + "), MAX(" + column + ") FROM (" + sql
             + ") sluice_q")) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long min = rs.getLong(1);
        if (rs.wasNull()) {
          return null;
        }
        return new long[] {min, rs.getLong(2)};
      }
    } catch (SQLException e) {
      throw new IOException("JDBC source at " + Jdbc.redact(url) + ": could not read MIN/MAX of " + column
          + " over the query: " + Jdbc.describe(e) + " (query: " + sql + ")", e);
    }
  }

  @Override
  public List<? extends SourceSplit> splits(int parallelism) throws IOException {
    if (incremental) {
      long start;
      if (lower != null) {
        start = lower;
      } else {
        long[] mm = minMax(LOW, HIGH);
        start = mm == null ? LOW : mm[0];
      }
      return List.of(new JdbcSplit("incremental", start, HIGH));
    }
    long min;
    long max;
    if (lower != null) {
      min = lower;
      max = upper;
    } else {
      long[] mm = minMax(LOW, HIGH);
      if (mm == null) {
        return List.of(new JdbcSplit("range-0", LOW, HIGH));
      }
      min = mm[0];
      max = mm[1];
    }
    int n = partitions > 0 ? partitions : Math.max(1, parallelism);
    long width = max - min + 1;
    if (width < n) {
      n = (int) Math.max(1, width);
    }
    List<JdbcSplit> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long from = i == 0 ? LOW : min + width * i / n;
      long to = i == n - 1 ? HIGH : min + width * (i + 1) / n;
      out.add(new JdbcSplit("range-" + i, from, to));
    }
    return out;
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    return new Reader((JdbcSplit) split);
  }

  /** Reads one range in column order; see the class comment. One thread. */
  private final class Reader implements SplitReader<T> {
    private final JdbcSplit split;
    private long next;
    private long limit = Long.MAX_VALUE;
    private long queryEnd;
    private Connection conn;
    private PreparedStatement ps;
    private ResultSet rs;
    private boolean onRow;
    private long lastKey;
    private boolean anyKey;
    private long nextPollNanos;

    Reader(JdbcSplit split) {
      this.split = split;
      this.next = split.from();
    }

    @Override
    public boolean read(Collector<? super T> out) throws IOException {
      try {
        if (rs == null) {
          long end = Math.min(limit, split.to());
          if (next >= end) {
            return incremental || next < split.to();
          }
          if (incremental && limit == Long.MAX_VALUE && System.nanoTime() < nextPollNanos) {
            return true;
          }
          open(next, end);
        }
        int emitted = 0;
        while (true) {
          if (!onRow && !rs.next()) {
            close();
            if (incremental && limit == Long.MAX_VALUE) {
              // streaming: read up to the last row there was; poll for more later
              nextPollNanos = System.nanoTime() + pollMillis * 1_000_000;
            } else {
              next = Math.max(next, Math.min(queryEnd, limit));
            }
            return incremental || next < split.to();
          }
          onRow = true;
          long k = rs.getLong(column);
          if (k >= limit) {
            close();
            next = Math.max(next, limit);
            return incremental || next < split.to();
          }
          if (emitted >= CHUNK && k != lastKey) {
            return true; // stays on this row; all rows of lastKey were emitted
          }
          T record;
          try {
            record = mapper.map(rs);
          } catch (Exception e) {
            throw new IOException("JDBC source: the row mapper failed at " + column + " = " + k + " (" + position()
                + "): " + e, e);
          }
          onRow = false;
          out.collect(record);
          lastKey = k;
          anyKey = true;
          next = k + 1;
          emitted++;
        }
      } catch (SQLException e) {
        close();
        throw new IOException("JDBC source at " + Jdbc.redact(url) + " failed reading " + position() + ": "
            + Jdbc.describe(e), e);
      }
    }

    private void open(long from, long to) throws SQLException {
      queryEnd = to;
      conn = pool().getConnection();
      conn.setAutoCommit(false); // PostgreSQL streams with a cursor only inside a transaction
      ps = conn.prepareStatement(ordered());
      ps.setFetchSize(fetchSize);
      ps.setLong(1, from);
      ps.setLong(2, to);
      rs = ps.executeQuery();
      onRow = false;
    }

    @Override
    public String position() {
      return "jdbc split " + split.id() + " [" + split.from() + ", " + split.to() + ")"
          + (anyKey ? ", at " + column + " = " + lastKey : ", at the start");
    }

    @Override
    public SourceSplit remainingSplit() {
      return new JdbcSplit(split.id(), next, split.to());
    }

    @Override
    public long offset() {
      return next;
    }

    @Override
    public long availableEnd() throws IOException {
      if (!incremental) {
        return split.to();
      }
      long[] mm = minMax(next, HIGH);
      return mm == null ? next : Math.max(next, mm[1] + 1);
    }

    @Override
    public void readUntil(long end) {
      this.limit = end;
    }

    @Override
    public void close() {
      try {
        if (rs != null) {
          rs.close();
        }
        if (ps != null) {
          ps.close();
        }
        if (conn != null) {
          conn.rollback();
          conn.close();
        }
      } catch (SQLException ignored) {
        // a broken connection: the pool evicts it
      } finally {
        rs = null;
        ps = null;
        conn = null;
        onRow = false;
      }
    }
  }
}
