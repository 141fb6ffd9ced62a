package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The SQL each dialect generates, and the dialect each URL gets. */
class JdbcDialectTest {
  private static final List<String> COLS = List.of("user_id", "window_start", "clicks");
  private static final List<String> KEYS = List.of("user_id", "window_start");

  @Test
  void dialectByUrl() {
    assertThat(Jdbc.dialectFor("jdbc:sqlite:/tmp/x.db")).isEqualTo(JdbcDialect.SQLITE);
    assertThat(Jdbc.dialectFor("jdbc:h2:file:/tmp/x")).isEqualTo(JdbcDialect.H2);
    assertThat(Jdbc.dialectFor("jdbc:h2:mem:x")).isEqualTo(JdbcDialect.H2);
    assertThat(Jdbc.dialectFor("jdbc:postgresql://localhost/db")).isEqualTo(JdbcDialect.POSTGRESQL);
    assertThat(Jdbc.dialectFor("jdbc:mysql://localhost/db")).isEqualTo(JdbcDialect.MYSQL);
    assertThat(Jdbc.dialectFor("jdbc:mariadb://localhost/db")).isEqualTo(JdbcDialect.MYSQL);
    assertThat(Jdbc.dialectFor("jdbc:sqlserver://x")).isEqualTo(JdbcDialect.GENERIC);
  }

  @Test
  void upsertStatements() {
    assertThat(JdbcDialect.H2.upsertSql("t", COLS, KEYS))
        .isEqualTo("MERGE INTO t (user_id, window_start, clicks) KEY (user_id, window_start) VALUES (?, ?, ?)");
    assertThat(JdbcDialect.POSTGRESQL.upsertSql("t", COLS, KEYS))
        .isEqualTo("INSERT INTO t (user_id, window_start, clicks) VALUES (?, ?, ?) ON CONFLICT (user_id, window_start)"
            + " DO UPDATE SET clicks = EXCLUDED.clicks");
    assertThat(JdbcDialect.SQLITE.upsertSql("t", COLS, KEYS))
        .isEqualTo(JdbcDialect.POSTGRESQL.upsertSql("t", COLS, KEYS));
    assertThat(JdbcDialect.MYSQL.upsertSql("t", COLS, KEYS))
        .isEqualTo("INSERT INTO t (user_id, window_start, clicks) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE"
            + " clicks = VALUES(clicks)");
    assertThat(JdbcDialect.POSTGRESQL.upsertSql("t", KEYS, KEYS)).endsWith("DO NOTHING");
    assertThatThrownBy(() -> JdbcDialect.GENERIC.upsertSql("t", COLS, KEYS)).hasMessageContaining("use JdbcSink.insert");
    assertThatThrownBy(() -> JdbcSink.<Long>upsert("jdbc:derby:x", "t").columns("a").keyColumns("a")
        .row(x -> new Object[] {x}).build()).hasMessageContaining("upsert is not supported");
    assertThat(Jdbc.redact("jdbc:postgresql://h/db?user=u&password=secret&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
  }

  @Test
  void h2FileDatabasesGetNoWriteDelayOthersAreLeftAlone() {
    assertThat(Jdbc.durable("jdbc:h2:file:/tmp/db")).isEqualTo("jdbc:h2:file:/tmp/db;WRITE_DELAY=0");
    assertThat(Jdbc.durable("jdbc:h2:./demo/db;MODE=PostgreSQL")).isEqualTo("jdbc:h2:./demo/db;MODE=PostgreSQL;WRITE_DELAY=0");
    assertThat(Jdbc.durable("jdbc:h2:file:/tmp/db;write_delay=100")).isEqualTo("jdbc:h2:file:/tmp/db;write_delay=100");
    assertThat(Jdbc.durable("jdbc:h2:mem:x")).isEqualTo("jdbc:h2:mem:x");
    assertThat(Jdbc.durable("jdbc:postgresql://localhost/db")).isEqualTo("jdbc:postgresql://localhost/db");
  }

  /** Only MariaDB's driver is on the class path: it takes jdbc:mysql: URLs only with permitMysqlScheme. */
  @Test
  void mysqlUrlsGetTheMariaDbDriversSchemeOption() {
    assertThat(Jdbc.driverUrl("jdbc:mysql://h:3306/db")).isEqualTo("jdbc:mysql://h:3306/db?permitMysqlScheme");
    assertThat(Jdbc.driverUrl("jdbc:mysql://h/db?useSSL=false")).isEqualTo("jdbc:mysql://h/db?useSSL=false&permitMysqlScheme");
    assertThat(Jdbc.driverUrl("jdbc:mysql://h/db?permitMysqlScheme")).isEqualTo("jdbc:mysql://h/db?permitMysqlScheme");
    assertThat(Jdbc.driverUrl("jdbc:mariadb://h/db")).isEqualTo("jdbc:mariadb://h/db");
    assertThat(Jdbc.driverUrl("jdbc:postgresql://h/db")).isEqualTo("jdbc:postgresql://h/db");
  }
}
