package dev.sluice.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link SinkTestBase} against the embedded default database, H2, in a file. */
class H2SinkTest extends SinkTestBase {
  @TempDir static Path dbDir;
  static String url;

  @BeforeAll
  static void database() {
    url = "jdbc:h2:file:" + dbDir.resolve("db").toAbsolutePath();
  }

  @Override
  String binaryType() {
    return "VARBINARY(100)";
  }

  @Override
  String url() {
    return url;
  }
}
