package dev.sluice.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link SinkTestBase} against the embedded default database, SQLite, in a file. */
class SqliteSinkTest extends SinkTestBase {
  @TempDir static Path dbDir;
  static String url;

  @BeforeAll
  static void database() {
    url = "jdbc:sqlite:" + dbDir.resolve("sink.db").toAbsolutePath();
  }

  @Override
  String binaryType() {
    return "BLOB";
  }

  @Override
  boolean keepsDecimalScale() {
    return false;
  }

  @Override
  String url() {
    return url;
  }
}
