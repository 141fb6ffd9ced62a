package dev.sluice.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link SinkTestBase} against a real MariaDB ({@link EmbeddedMariaDb}), started once for the class. */
class MariaDbSinkTest extends SinkTestBase {
  @TempDir static Path dbDir;
  static EmbeddedMariaDb db;

  @BeforeAll
  static void start() throws Exception {
    db = new EmbeddedMariaDb(dbDir);
  }

  @AfterAll
  static void stop() throws Exception {
    Jdbc.closePools();
    if (db != null) {
      db.close();
    }
  }

  /** No BYTEA; VARBINARY keeps the bytes exactly (BINARY(n) would pad them with zeros). */
  @Override
  String binaryType() {
    return "VARBINARY(64)";
  }

  /** MariaDB's TIMESTAMP holds whole seconds in 1970..2038 (see {@link SinkTestBase#timestampType()}). */
  @Override
  String timestampType() {
    return "DATETIME(6)";
  }

  @Override
  String url() {
    return db.url();
  }
}
