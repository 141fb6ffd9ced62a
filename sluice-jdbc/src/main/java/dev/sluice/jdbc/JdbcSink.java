package dev.sluice.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records as rows of a database table, by insert or by upsert (see {@link JdbcDialect}).
 *
 * <pre>{@code
 * Sink<Click> sink = JdbcSink.<Click>upsert("jdbc:h2:file:/data/clicks", "user_clicks")
 *     .columns("user_id", "window_start", "clicks")
 *     .keyColumns("user_id", "window_start")
 *     .row(r -> new Object[] {r.user(), r.windowStart(), r.clicks()})
 *     .build();
 * }</pre>
 *
 * <p><b>Exactly once</b> (the default). A writer keeps the rows it got since the last checkpoint,
 * encoded compactly; at the checkpoint barrier it hands them over as its committable, which is
 * stored in the checkpoint's metadata. When the checkpoint is complete, {@link #commit} writes the
 * rows of every writer in <em>one</em> database transaction, together with one row per writer in
 * {@code sluice_sink_commits(sink_id, writer, checkpoint_id, end_nonce)}; a committable whose
 * checkpoint id is not above the stored one is skipped, so a commit repeated after a crash (by
 * {@link #recover}) is harmless. The table therefore only ever holds whole checkpoints. Without
 * checkpoints (batch jobs) all rows are written in one transaction at the end of the job. Memory:
 * the rows of one checkpoint interval (or, without checkpoints, of the whole job) per writer.
 *
 * <p><b>At least once</b> ({@link Builder#atLeastOnce()}): writers write batches of
 * {@code batchSize} rows directly, each in its own transaction; rows after the last checkpoint
 * are written again after a failure (harmless for upserts).
 *
 * <p>Errors: connection failures and other transient errors are retried with doubling backoff
 * ({@link Builder#retries}); then the job fails naming the URL, the table and the cause. A
 * transaction is never committed in part.
 *
 * <p>Connections come from a HikariCP pool shared per URL and user in the JVM ({@link Jdbc}).
 * {@link #commit} and {@link #recover} run on the job's coordinating/checkpoint thread, writers on
 * their task threads.
 */
public final class JdbcSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(JdbcSink.class);
  static final String COMMITS_TABLE = "sluice_sink_commits";

  private final String url;
  private final String table;
  private final boolean upsert;
  private final List<String> columns;
  private final List<String> keyColumns;
  private final JdbcRowMapper<T> mapper;
  private final String createTable;
  private final String user;
  private final String password;
  private final int batchSize;
  private final boolean atLeastOnce;
  private final String sinkId;
  private final int maxAttempts;
  private final long backoffMillis;
  private final int poolSize;
  private final long connectTimeoutMillis;
  private final boolean copy;

  private transient volatile boolean commitsTableReady;
  private transient volatile boolean opened;

  private JdbcSink(Builder<T> b) {
    this.url = b.url;
    this.table = b.table;
    this.upsert = b.upsert;
    this.columns = List.copyOf(b.columns);
    this.keyColumns = List.copyOf(b.keyColumns);
    this.mapper = b.mapper;
    this.createTable = b.createTable;
    this.user = b.user;
    this.password = b.password;
    this.batchSize = b.batchSize;
    this.atLeastOnce = b.atLeastOnce;
    this.sinkId = b.sinkId != null ? b.sinkId : b.table;
    this.maxAttempts = b.maxAttempts;
    this.backoffMillis = b.backoff.toMillis();
    this.poolSize = b.poolSize;
    this.connectTimeoutMillis = b.connectTimeout.toMillis();
    this.copy = b.copy;
  }

  /** A sink that upserts rows by {@link Builder#keyColumns} (the table's primary key or a unique key). */
  public static <T> Builder<T> upsert(String url, String table) {
    return new Builder<>(url, table, true);
  }

  /** A sink that inserts rows. */
  public static <T> Builder<T> insert(String url, String table) {
    return new Builder<>(url, table, false);
  }

  /** Configures a {@link JdbcSink}. Not thread-safe. */
  public static final class Builder<T> {
    private final String url;
    private final String table;
    private final boolean upsert;
    private List<String> columns = List.of();
    private List<String> keyColumns = List.of();
    private JdbcRowMapper<T> mapper;
    private String createTable;
    private String user;
    private String password;
    private int batchSize = 1000;
    private boolean atLeastOnce;
    private String sinkId;
    private int maxAttempts = 5;
    private Duration backoff = Duration.ofMillis(500);
    private int poolSize = 16;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private boolean copy = true;

    private Builder(String url, String table, boolean upsert) {
      this.url = Objects.requireNonNull(url, "url");
      this.table = Objects.requireNonNull(table, "table");
      this.upsert = upsert;
      if (!url.startsWith("jdbc:")) {
        throw new IllegalArgumentException("not a JDBC URL: '" + url + "' (expected e.g. jdbc:h2:file:/path/db or"
            + " jdbc:postgresql://host/db)");
      }
    }

    /** The table's columns in the order of the values {@link #row} returns. */
    public Builder<T> columns(String... names) {
      this.columns = List.of(names);
      return this;
    }

    /** The upsert key (the table's primary key or a unique key); required for upserts. */
    public Builder<T> keyColumns(String... names) {
      this.keyColumns = List.of(names);
      return this;
    }

    /** Maps a record to the row's values, in {@link #columns} order. */
    public Builder<T> row(JdbcRowMapper<T> mapper) {
      this.mapper = mapper;
      return this;
    }

    /** DDL run once when the job starts (e.g. {@code CREATE TABLE IF NOT EXISTS ...}). */
    public Builder<T> createTable(String ddl) {
      this.createTable = ddl;
      return this;
    }

    public Builder<T> credentials(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    /** Rows per JDBC batch (default 1000). */
    public Builder<T> batchSize(int rows) {
      if (rows <= 0) {
        throw new IllegalArgumentException("batchSize must be positive, was " + rows);
      }
      this.batchSize = rows;
      return this;
    }

    /** Writes batches directly, each in its own transaction; after a failure rows may be written again. */
    public Builder<T> atLeastOnce() {
      this.atLeastOnce = true;
      return this;
    }

    /**
     * The name under which this sink records its committed checkpoints in {@code sluice_sink_commits}
     * (default: the table name). Two sinks writing one table in one job need different ids.
     */
    public Builder<T> sinkId(String id) {
      this.sinkId = Objects.requireNonNull(id, "sinkId");
      return this;
    }

    /** How often a transaction is tried on transient errors (default 5) and the first backoff (default 500 ms, doubling). */
    public Builder<T> retries(int attempts, Duration firstBackoff) {
      if (attempts <= 0) {
        throw new IllegalArgumentException("attempts must be positive, was " + attempts);
      }
      this.maxAttempts = attempts;
      this.backoff = firstBackoff;
      return this;
    }

    /** Pool size for this URL (default 16; the first sink or source of a URL sets it) and the connect timeout (default 10 s). */
    public Builder<T> pool(int maxConnections, Duration connectTimeout) {
      if (maxConnections <= 0) {
        throw new IllegalArgumentException("maxConnections must be positive, was " + maxConnections);
      }
      this.poolSize = maxConnections;
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * PostgreSQL: whether exactly-once commits write through {@code COPY} (default true, several
     * times faster) rather than batched INSERT statements.
     */
    public Builder<T> postgresCopy(boolean on) {
      this.copy = on;
      return this;
    }

    public JdbcSink<T> build() {
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("JDBC sink into " + table + ": no columns; call columns(...)");
      }
      if (mapper == null) {
        throw new IllegalArgumentException("JDBC sink into " + table + ": no row mapper; call row(record -> new Object[] {...})");
      }
      if (upsert) {
        if (keyColumns.isEmpty()) {
          throw new IllegalArgumentException("JDBC upsert into " + table + ": no key columns; call keyColumns(...)");
        }
        for (String k : keyColumns) {
          if (columns.stream().noneMatch(k::equalsIgnoreCase)) {
            throw new IllegalArgumentException("JDBC upsert into " + table + ": key column " + k
                + " is not one of the columns " + columns);
          }
        }
        Jdbc.dialectFor(url).upsertSql(table, columns, keyColumns); // refuses unknown databases now
      }
      return new JdbcSink<>(this);
    }
  }

  // ---------------------------------------------------------------- Sink

  @Override
  public boolean supportsCheckpoints() {
    return true;
  }

  @Override
  public String name() {
    return "jdbc(" + (upsert ? "upsert " : "insert ") + table + ")";
  }

  @Override
  public void open(int parallelism) throws IOException {
    prepare();
  }

  @Override
  public void recover(int parallelism, List<Object> committables) throws IOException {
    prepare();
    commit(committables);
  }

  /** Runs the DDL and checks that the table has the columns, once per sink instance. */
  private void prepare() throws IOException {
    if (opened) {
      return;
    }
    inTransaction("prepare the table", c -> {
      if (createTable != null) {
        try (Statement s = c.createStatement()) {
          s.execute(createTable);
        } catch (SQLException e) {
          throw new SQLException("the createTable statement failed (" + e.getMessage() + "): " + createTable,
              e.getSQLState(), e.getErrorCode(), e);
        }
      }
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT " + String.join(", ", columns) + " FROM " + table + " WHERE 1 = 0").close();
      } catch (SQLException e) {
        if (Jdbc.transientError(e)) {
          throw e;
        }
        throw new SQLException("table " + table + " with columns " + columns + " is not usable (" + e.getMessage()
            + "); create it first or pass createTable(\"CREATE TABLE IF NOT EXISTS ...\")", e.getSQLState(),
            e.getErrorCode(), e);
      }
      // The statement the commits run, prepared once now: a database that refuses it (e.g. an upsert
      // whose key columns have no primary key or unique constraint) fails the job at its start, not
      // at its first commit.
      String sql = rowWriter().sql();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        // prepared only
      } catch (SQLException e) {
        if (Jdbc.transientError(e)) {
          throw e;
        }
        throw new SQLException("table " + table + " refuses the sink's statement (" + e.getMessage() + "): " + sql
            + (upsert ? "; an upsert needs a primary key or unique constraint on " + keyColumns : ""),
            e.getSQLState(), e.getErrorCode(), e);
      }
      if (!atLeastOnce) {
        ensureCommitsTable(c);
      }
    });
    opened = true;
  }

  @Override
  public SinkWriter<T> writer(WriterContext context) {
    return atLeastOnce ? new DirectWriter(context) : new StagingWriter(context);
  }

  @Override
  public void commit(List<Object> committables) throws IOException {
    if (committables.isEmpty()) {
      return;
    }
    List<JdbcCommittable> cs = new ArrayList<>(committables.size());
    long newest = -1;
    int rows = 0;
    for (Object o : committables) {
      JdbcCommittable c = (JdbcCommittable) o;
      cs.add(c);
      newest = Math.max(newest, c.checkpointId());
      rows += c.rows();
    }
    String what = (newest >= 0 ? "commit checkpoint " + newest : "commit the job's output") + " (" + cs.size()
        + " writer part(s), " + rows + " rows)";
    inTransaction(what, c -> commitIn(c, cs));
  }

  private record Stored(long checkpointId, String nonce) {}

  private void commitIn(Connection c, List<JdbcCommittable> cs) throws SQLException {
    boolean tracked = false;
    for (JdbcCommittable x : cs) {
      tracked |= x.checkpointId() >= 0 || x.endNonce() != null;
    }
    Map<Integer, Stored> stored = new HashMap<>();
    Map<Integer, Stored> changed = new LinkedHashMap<>();
    if (tracked) {
      ensureCommitsTable(c);
      try (PreparedStatement ps = c.prepareStatement("SELECT writer, checkpoint_id, end_nonce FROM " + COMMITS_TABLE
          + " WHERE sink_id = ?")) {
        ps.setString(1, sinkId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            stored.put(rs.getInt(1), new Stored(rs.getLong(2), rs.getString(3)));
          }
        }
      }
    }
    List<Object[]> rows = new ArrayList<>();
    int skipped = 0;
    for (JdbcCommittable x : cs) {
      Stored st = stored.get(x.writer());
      Stored next;
      if (x.endNonce() != null) {
        if (st != null && x.endNonce().equals(st.nonce())) {
          skipped++;
          continue;
        }
        next = new Stored(st == null ? 0 : st.checkpointId(), x.endNonce());
      } else if (x.checkpointId() >= 0) {
        if (st != null && st.checkpointId() >= x.checkpointId()) {
          skipped++;
          continue;
        }
        next = new Stored(x.checkpointId(), st == null ? null : st.nonce());
      } else {
        next = null;
      }
      decodeInto(x, rows);
      if (next != null) {
        stored.put(x.writer(), next);
        changed.put(x.writer(), next);
      }
    }
    if (skipped > 0) {
      LOG.info("JDBC sink {}: {} part(s) already committed, skipped", sinkId, skipped);
    }
    // One write for the whole commit; in upsert mode the last row per key wins (per writer, later
    // checkpoints come later in the list).
    if (copy && Jdbc.dialectFor(url) == JdbcDialect.POSTGRESQL) {
      new PgCopyWriter(table, columns, keyColumns, upsert).write(c, upsert ? rowWriter().lastPerKey(rows) : rows);
    } else {
      rowWriter().write(c, rows);
    }
    for (Map.Entry<Integer, Stored> e : changed.entrySet()) {
      int n;
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + COMMITS_TABLE
          + " SET checkpoint_id = ?, end_nonce = ? WHERE sink_id = ? AND writer = ?")) {
        ps.setLong(1, e.getValue().checkpointId());
        ps.setString(2, e.getValue().nonce());
        ps.setString(3, sinkId);
        ps.setInt(4, e.getKey());
        n = ps.executeUpdate();
      }
      if (n == 0) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + COMMITS_TABLE
            + " (sink_id, writer, checkpoint_id, end_nonce) VALUES (?, ?, ?, ?)")) {
          ps.setString(1, sinkId);
          ps.setInt(2, e.getKey());
          ps.setLong(3, e.getValue().checkpointId());
          ps.setString(4, e.getValue().nonce());
          ps.executeUpdate();
        }
      }
    }
  }

  private void ensureCommitsTable(Connection c) throws SQLException {
    if (commitsTableReady) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + COMMITS_TABLE + " (sink_id VARCHAR(255) NOT NULL, writer INT NOT NULL,"
          + " checkpoint_id BIGINT NOT NULL, end_nonce VARCHAR(64), PRIMARY KEY (sink_id, writer))");
    }
    commitsTableReady = true;
  }

  private void decodeInto(JdbcCommittable x, List<Object[]> rows) {
    RowCodec.Reader r = new RowCodec.Reader(x.data());
    int width = columns.size();
    while (r.hasNext()) {
      rows.add(r.next(width));
    }
  }

  private RowWriter rowWriter() {
    JdbcDialect d = Jdbc.dialectFor(url);
    if (!upsert) {
      return new RowWriter(d.insertSql(table, columns), null, batchSize);
    }
    int[] keys = new int[keyColumns.size()];
    for (int i = 0; i < keys.length; i++) {
      String k = keyColumns.get(i);
      for (int j = 0; j < columns.size(); j++) {
        if (columns.get(j).equalsIgnoreCase(k)) {
          keys[i] = j;
        }
      }
    }
    return new RowWriter(d.upsertSql(table, columns, keyColumns), keys, batchSize);
  }

  // ---------------------------------------------------------------- transactions and retries

  interface Tx {
    void run(Connection c) throws SQLException;
  }

  private HikariDataSource pool() {
    return Jdbc.pool(url, user, password, poolSize, connectTimeoutMillis);
  }

  /**
   * Runs {@code tx} in one transaction, retried on transient errors with doubling backoff; then
   * fails with an IOException naming the URL, the table, what was being done and the cause.
   */
  void inTransaction(String what, Tx tx) throws IOException {
    long backoff = backoffMillis;
    for (int attempt = 1; ; attempt++) {
      HikariDataSource ds;
      try {
        ds = pool();
      } catch (IllegalArgumentException e) { // a SQLite file whose directory cannot be created
        throw new IOException("JDBC sink into table " + table + " at " + Jdbc.redact(url) + " could not " + what + ": "
            + e.getMessage(), e);
      }
      try (Connection c = ds.getConnection()) {
        try {
          c.setAutoCommit(false); // fails first on a pooled connection to a database that restarted
          tx.run(c);
          c.commit();
          return;
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException ignored) {
            // the connection is broken; the transaction is gone with it
          }
          if (Jdbc.transientError(e)) {
            ds.evictConnection(c); // do not hand a broken connection to the retry
          }
          throw e;
        } finally {
          try {
            c.setAutoCommit(true);
          } catch (SQLException ignored) {
            // broken connection: the pool evicts it
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (e instanceof java.sql.SQLTransientConnectionException) {
          Jdbc.evict(ds);
        }
        commitsTableReady = commitsTableReady && !Jdbc.transientError(e);
        boolean retry = e instanceof SQLException && Jdbc.transientError(e) && attempt < maxAttempts;
        if (!retry) {
          String tries = attempt > 1 ? " after " + attempt + " attempts" : "";
          throw new IOException("JDBC sink into table " + table + " at " + Jdbc.redact(url) + " could not " + what
              + tries + ": " + Jdbc.describe(e), e);
        }
        LOG.warn("JDBC sink into table {} at {}: could not {} (attempt {} of {}), retrying in {} ms: {}", table,
            Jdbc.redact(url), what, attempt, maxAttempts, backoff, Jdbc.describe(e));
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("JDBC sink into table " + table + ": interrupted while retrying to " + what, e);
        }
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  private Object[] map(T record) throws IOException {
    Object[] row;
    try {
      row = mapper.map(record);
    } catch (Exception e) {
      throw new IOException("JDBC sink into table " + table + ": the row mapper failed on record " + shortly(record)
          + ": " + e, e);
    }
    if (row == null || row.length != columns.size()) {
      throw new IOException("JDBC sink into table " + table + ": the row mapper returned "
          + (row == null ? "null" : row.length + " values") + " for record " + shortly(record) + ", expected "
          + columns.size() + " (columns " + columns + ")");
    }
    return row;
  }

  private static String shortly(Object o) {
    String s = String.valueOf(o);
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  // ---------------------------------------------------------------- writers

  /** Exactly once: stages the rows of each checkpoint interval in memory until the commit. */
  private final class StagingWriter implements SinkWriter<T> {
    private final WriterContext ctx;
    private final RowCodec codec = new RowCodec();
    private int rows;

    StagingWriter(WriterContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void write(T record) throws IOException {
      codec.write(map(record), columns);
      rows++;
    }

    @Override
    public Object prepareCommit(long checkpointId) {
      return seal(checkpointId, null);
    }

    @Override
    public Object prepareCommit() {
      return ctx.checkpointing() ? seal(-1, java.util.UUID.randomUUID().toString()) : seal(-1, null);
    }

    private JdbcCommittable seal(long checkpointId, String nonce) {
      if (rows == 0) {
        return null;
      }
      JdbcCommittable c = new JdbcCommittable(ctx.partition(), checkpointId, nonce, rows, codec.toBytes());
      codec.reset();
      rows = 0;
      return c;
    }

    @Override
    public void abort() {
      codec.reset();
      rows = 0;
    }
  }

  /** At least once: writes each batch directly in its own transaction. */
  private final class DirectWriter implements SinkWriter<T> {
    private final RowWriter rw = rowWriter();
    private final List<Object[]> pending = new ArrayList<>();
    private final WriterContext ctx;

    DirectWriter(WriterContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void write(T record) throws IOException {
      pending.add(map(record));
      if (pending.size() >= batchSize) {
        flush();
      }
    }

    private void flush() throws IOException {
      if (pending.isEmpty()) {
        return;
      }
      inTransaction("write a batch of " + pending.size() + " rows (writer " + ctx.partition() + ")",
          c -> rw.write(c, pending));
      pending.clear();
    }

    @Override
    public Object prepareCommit(long checkpointId) throws IOException {
      flush();
      return null;
    }

    @Override
    public Object prepareCommit() throws IOException {
      flush();
      return null;
    }

    @Override
    public void abort() {
      pending.clear();
    }
  }

  @Override
  public String toString() {
    return name() + " at " + Jdbc.redact(url) + (atLeastOnce ? " (at least once)" : "") + " [sink id " + sinkId + "]";
  }
}
