package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

  @Test
  void aRefusedLoginOrAMissingDatabaseFailsAtOnceWithTheDatabasesReason() {
    String noRole = url().replaceAll("user=[^&]*", "user=nosuchrole");
    JdbcSink<Long> login = JdbcSink.<Long>insert(noRole, "t_login").columns("k").row(i -> new Object[] {i})
        .pool(2, Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> login.open(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("could not prepare the table")
        .hasMessageContaining("\"nosuchrole\" does not exist")
        .hasMessageNotContaining("attempts"); // not retried: a refused login stays refused
    String noDatabase = url().replaceFirst("/postgres\\?", "/nosuchdb?");
    JdbcSink<Long> missing = JdbcSink.<Long>insert(noDatabase, "t_login").columns("k").row(i -> new Object[] {i})
        .pool(2, Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> missing.open(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("\"nosuchdb\" does not exist").hasMessageNotContaining("attempts");
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
