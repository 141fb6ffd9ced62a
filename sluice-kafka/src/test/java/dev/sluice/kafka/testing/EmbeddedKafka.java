package dev.sluice.kafka.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka broker in this JVM for tests and benchmarks: KRaft mode (one process that
 * is broker and controller), bound to 127.0.0.1 on free ports, its log directory formatted with
 * {@link Formatter} and started with {@link KafkaRaftServer}, the way Kafka's own {@code
 * KafkaClusterTestKit} does. Internal topics (offsets, transaction state, share state) have
 * replication factor 1 and min ISR 1, so transactions and consumer groups work on one node; topics are
 * never created automatically (a missing topic stays missing). {@link #close} stops the broker and
 * deletes its directory. Start one per test class (start-up takes 2-4 s). Thread-safe.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final KafkaRaftServer server;
  private final Admin admin;

  private EmbeddedKafka(Path dir, int port, KafkaRaftServer server, Admin admin) {
    this.dir = dir;
    this.port = port;
    this.server = server;
    this.admin = admin;
  }

  /** Starts a broker with the default settings. */
  public static EmbeddedKafka start() {
    return start(Map.of());
  }

  /** Starts a broker; {@code overrides} are broker settings that replace the defaults. */
  public static EmbeddedKafka start(Map<String, String> overrides) {
    return start(overrides, Map.of());
  }

  /**
   * Starts a broker with broker settings {@code overrides} and the cluster's feature levels
   * {@code features} set at formatting (e.g. {@code transaction.version=1} for Kafka transactions
   * v1; by default every feature is at the level of {@link MetadataVersion#LATEST_PRODUCTION}).
   */
  public static EmbeddedKafka start(Map<String, String> overrides, Map<String, Short> features) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("sluice-kafka-");
      int brokerPort = freePort();
      int controllerPort = freePort();
      String logDir = dir.resolve("log").toString();
      Properties p = new Properties();
      p.put("process.roles", "broker,controller");
      p.put("node.id", "1");
      p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
      p.put("controller.listener.names", "CONTROLLER");
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      p.put("log.dirs", logDir);
      p.put("auto.create.topics.enable", "false");
      p.put("num.partitions", "1");
      p.put("default.replication.factor", "1");
      p.put("min.insync.replicas", "1");
      p.put("offsets.topic.replication.factor", "1");
      p.put("offsets.topic.num.partitions", "1");
      p.put("transaction.state.log.replication.factor", "1");
      p.put("transaction.state.log.min.isr", "1");
      p.put("transaction.state.log.num.partitions", "4");
      p.put("share.coordinator.state.topic.replication.factor", "1");
      p.put("share.coordinator.state.topic.min.isr", "1");
      p.put("group.initial.rebalance.delay.ms", "0");
      p.put("log.segment.bytes", Integer.toString(16 << 20));
      // No time-based retention: test data is often written with timestamps near 0 (1970), which the
      // first retention check (about 30 s after the start) would delete, input read or not.
      p.put("log.retention.ms", "-1");
      p.put("offsets.topic.segment.bytes", Integer.toString(4 << 20));
      p.put("transaction.state.log.segment.bytes", Integer.toString(4 << 20));
      p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 << 20));
      p.put("num.network.threads", "2");
      p.put("num.io.threads", "4");
      p.putAll(overrides);

      Formatter formatter = new Formatter();
      features.forEach(formatter::setFeatureLevel);
      formatter
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setClusterId(Uuid.randomUuid().toString())
          .setNodeId(1)
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(logDir)
          .setDirectories(Set.of(logDir))
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .run();

      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
      server.startup();
      Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + brokerPort));
      EmbeddedKafka kafka = new EmbeddedKafka(dir, brokerPort, server, admin);
      kafka.awaitReady();
      return kafka;
    } catch (Exception e) {
      if (dir != null) {
        deleteRecursively(dir);
      }
      throw new IllegalStateException("cannot start the embedded Kafka broker: " + e, e);
    }
  }

  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
          return;
        }
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("embedded Kafka broker did not come up within 60 s", e);
        }
      }
      Thread.sleep(50);
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** An admin client on this broker (owned by this object: do not close it). */
  public Admin admin() {
    return admin;
  }

  /** Creates a topic with replication factor 1 and waits until it exists. */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, Map.of());
  }

  public void createTopic(String name, int partitions, Map<String, String> configs) {
    try {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
      awaitLeaders(name, partitions);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
    }
  }

  private void awaitLeaders(String name, int partitions) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        var parts = admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS).get(name).partitions();
        if (parts.size() >= partitions && parts.stream().allMatch(tp -> tp.leader() != null && !tp.leader().isEmpty())) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // metadata not propagated yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topic " + name + " has no leader for all " + partitions + " partitions after 30 s");
      }
      Thread.sleep(20);
    }
  }

  /** Raises a topic's partition count to {@code total}. */
  public void addPartitions(String name, int total) {
    try {
      admin.createPartitions(Map.of(name, NewPartitions.increaseTo(total))).all().get(30, TimeUnit.SECONDS);
      awaitLeaders(name, total);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot add partitions to " + name + ": " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      admin.close(java.time.Duration.ofSeconds(5));
    } finally {
      try {
        server.shutdown();
        server.awaitShutdown();
      } finally {
        deleteRecursively(dir);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temp directory
    }
  }
}
