package dev.sluice.jdbc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link SinkTestBase} against a real PostgreSQL, started once for the class. */
class PostgresSinkTest extends SinkTestBase {
  static EmbeddedPg pg;

  @BeforeAll
  static void start() throws Exception {
    pg = new EmbeddedPg();
  }

  @AfterAll
  static void stop() throws Exception {
    Jdbc.closePools();
    if (pg != null) {
      pg.close();
    }
  }

  @Override
  String binaryType() {
    return "BYTEA";
  }

  @Override
  String url() {
    return pg.url();
  }
}
