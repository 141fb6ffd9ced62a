package dev.sluice.bench;

import java.util.Arrays;

/**
 * Entry point of {@code sluice-bench/target/benchmarks.jar}:
 * {@code java -jar benchmarks.jar wordcount|1brc|spill|startup|stream|nexmark|rocksdb-state|rocksdb-checkpoint|checkpoint|jdbc|kafka|microbatch|demo|sqlite-upsert [options]}, or {@code jmh [JMH args]}
 * for the JMH micro-benchmarks. Each end-to-end benchmark prints its figures and ratios; none asserts.
 */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: java -jar benchmarks.jar wordcount|1brc|spill|startup|stream|nexmark|rocksdb-state|rocksdb-checkpoint|checkpoint|jdbc|kafka|microbatch|demo|sqlite-upsert|jmh [options]");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "wordcount" -> WordCountBench.main(rest);
      case "1brc" -> OneBrcBench.main(rest);
      case "spill" -> SpillBench.main(rest);
      case "startup" -> StartupBench.main(rest);
      case "stream" -> StreamBench.main(rest);
      case "nexmark" -> NexmarkBench.main(rest);
      case "rocksdb-state" -> RocksDbStateBench.main(rest);
      case "rocksdb-checkpoint" -> RocksDbCheckpointBench.main(rest);
      case "checkpoint" -> CheckpointBench.main(rest);
      case "jdbc" -> JdbcBench.main(rest);
      case "kafka" -> KafkaBench.main(rest);
      case "microbatch" -> MicroBatchBench.main(rest);
      case "demo" -> DemoBench.main(rest);
      case "sqlite-upsert" -> SqliteUpsertBench.main(rest);
      case "jmh" -> org.openjdk.jmh.Main.main(rest);
      default -> {
        System.err.println("unknown benchmark '" + args[0] + "'; choose one of wordcount, 1brc, spill, startup, stream, nexmark, rocksdb-state, rocksdb-checkpoint, checkpoint, jdbc, kafka, microbatch, demo, sqlite-upsert, jmh");
        System.exit(2);
      }
    }
  }
}
