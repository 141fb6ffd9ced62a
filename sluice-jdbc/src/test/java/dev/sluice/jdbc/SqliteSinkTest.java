package dev.sluice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

  @Test
  void aMissingDirectoryIsCreatedAndAFileThatIsNoDatabaseFailsAtOnce() throws Exception {
    Path db = dbDir.resolve("a").resolve("b").resolve("nested.db");
    JdbcSink<Long> sink = JdbcSink.<Long>insert("jdbc:sqlite:" + db, "t_nested").columns("k")
        .row(i -> new Object[] {i}).createTable("CREATE TABLE IF NOT EXISTS t_nested (k BIGINT)").build();
    sink.open(1);
    assertThat(db).isRegularFile();

    Path notADirectory = dbDir.resolve("plain-file");
    Files.writeString(notADirectory, "x");
    JdbcSink<Long> blocked = JdbcSink.<Long>insert("jdbc:sqlite:" + notADirectory.resolve("x.db"), "t")
        .columns("k").row(i -> new Object[] {i}).pool(2, Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> blocked.open(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("cannot create the directory " + notADirectory)
        .hasMessageNotContaining("attempts");

    Path garbage = dbDir.resolve("garbage.db");
    Files.writeString(garbage, "this is not a database, just text longer than the 100-byte header of a SQLite file");
    JdbcSink<Long> notADatabase = JdbcSink.<Long>insert("jdbc:sqlite:" + garbage, "t").columns("k")
        .row(i -> new Object[] {i}).pool(2, Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> notADatabase.open(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("SQLITE_NOTADB").hasMessageNotContaining("attempts");
  }

  @Test
  void anUpsertIntoATableWithoutAKeyConstraintFailsAtOpenNamingIt() {
    String url = "jdbc:sqlite:" + dbDir.resolve("nokey.db");
    JdbcSink<Long> sink = JdbcSink.<Long>upsert(url, "t_nokey").columns("k", "v").keyColumns("k")
        .row(i -> new Object[] {i, i}).createTable("CREATE TABLE IF NOT EXISTS t_nokey (k BIGINT, v BIGINT)").build();
    assertThatThrownBy(() -> sink.open(1)).isInstanceOf(IOException.class)
        .hasMessageContaining("table t_nokey refuses the sink's statement")
        .hasMessageContaining("an upsert needs a primary key or unique constraint on [k]")
        .hasMessageNotContaining("attempts");

    JdbcSink<Long> keyed = JdbcSink.<Long>upsert(url, "t_key").columns("k", "v").keyColumns("k")
        .row(i -> new Object[] {i, i}).createTable("CREATE TABLE IF NOT EXISTS t_key (k BIGINT PRIMARY KEY, v BIGINT)")
        .build();
    assertThatCode(() -> keyed.open(1)).doesNotThrowAnyException();
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
