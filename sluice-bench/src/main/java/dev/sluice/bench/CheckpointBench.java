package dev.sluice.bench;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.examples.nexmark.DiscardingSink;
import dev.sluice.examples.nexmark.Nexmark;
import dev.sluice.io.Sources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checkpoint costs (issue 4).
 *
 * <p>{@code Bench checkpoint overhead [--query q5,q7] [--events N] [--runs R] [--interval-ms 1000]
 * [--parallelism P]}: each windowed NEXMark query over N events, runs without and with checkpoints
 * every interval alternating (after one warm-up of each), a fresh checkpoint directory per run;
 * prints the median events/s of both and the ratio.
 *
 * <p>{@code Bench checkpoint state [--state-mb M] [--value-bytes B] [--parallelism P]}: a
 * {@link KeyedProcessFunction} holds M MB of heap state (M MB / B keys, one B-byte array each; the
 * generator loads them at keys/2 per second), checkpoints every second; the duration and size of the
 * first two complete checkpoints after loading are read from their metadata. Then the job is
 * cancelled (as a crash would leave it) and started again on the same directory: recovery is the time
 * from {@code start} to the first record processed with the state restored (checked on that record's
 * key). State files are streamed (no serialized copy of the state in memory); the heap holds the
 * state and, on restore, the cancelled run's state until it is collected: {@code -Xmx6g} for 1 GB.
 */
public final class CheckpointBench {
  private CheckpointBench() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || !(argv[0].equals("overhead") || argv[0].equals("state"))) {
      System.err.println("usage: Bench checkpoint overhead|state [options]");
      System.exit(2);
    }
    Args args = new Args(Arrays.copyOfRange(argv, 1, argv.length));
    if (argv[0].equals("overhead")) {
      overhead(args);
    } else {
      state(args);
    }
  }

  private static void overhead(Args args) throws IOException {
    int parallelism = (int) args.getLong("parallelism", 2);
    long events = args.getLong("events", 5_000_000);
    int runs = (int) args.getLong("runs", 3);
    Duration interval = Duration.ofMillis(args.getLong("interval-ms", 1000));
    Path work = Files.createDirectories(args.workDir().resolve("checkpoint-overhead"));
    for (String query : args.get("query", "q5,q7").split(",")) {
      double[] plain = new double[runs];
      double[] checked = new double[runs];
      long maxCheckpoints = 0;
      for (int i = -1; i < runs; i++) {
        for (boolean withCheckpoints : new boolean[] {false, true}) {
          Path ck = work.resolve("ck-" + query + "-" + (i + 1));
          WordCountBench.deleteRecursively(ck);
          Nexmark.Built b = Nexmark.build(Nexmark.Job.of(query, events));
          RunOptions o = RunOptions.streaming().withParallelism(parallelism);
          if (withCheckpoints) {
            o = o.withCheckpointing(ck, interval);
          }
          long t0 = System.nanoTime();
          JobResult r = b.pipeline().run(o);
          double s = Args.seconds(System.nanoTime() - t0);
          long n = Nexmark.eventsRead(b, r);
          long checkpoints = 0;
          if (withCheckpoints) {
            checkpoints = new CheckpointStorage(ck, b.pipeline().name()).nextId() - 1;
            maxCheckpoints = Math.max(maxCheckpoints, checkpoints);
          }
          System.out.printf(Locale.ROOT, "%s %s %s: %d events in %.2f s, %.0f events/s, %d results%s%n", query,
              i < 0 ? "warm-up" : "run " + (i + 1), withCheckpoints ? "with checkpoints" : "without", n, s, n / s,
              b.results().get(), withCheckpoints ? ", checkpoint ids up to " + checkpoints : "");
          b.events().release();
          b.results().release();
          WordCountBench.deleteRecursively(ck);
          if (i >= 0) {
            (withCheckpoints ? checked : plain)[i] = n / s;
          }
        }
      }
      Arrays.sort(plain);
      Arrays.sort(checked);
      double a = plain[runs / 2];
      double c = checked[runs / 2];
      System.out.printf(Locale.ROOT, "RESULT checkpoint overhead nexmark %s p=%d, %d events, interval %d ms: median"
              + " %.2fM events/s without, %.2fM with checkpoints (%d per run at most); with/without %.3f (cost %.1f %%)%n",
          query, parallelism, events, interval.toMillis(), a / 1e6, c / 1e6, maxCheckpoints, c / a, 100 * (1 - c / a));
    }
  }

  static final LongAdder LOADED = new LongAdder();
  static final AtomicLong FIRST_RECORD_NANOS = new AtomicLong();
  static volatile boolean restoredOk;

  /** Holds one {@code valueBytes} array per key {@code x < keys}; checks the state at later records. */
  static final class Hold extends KeyedProcessFunction<Long, Long, Long> {
    private final long keys;
    private final int valueBytes;
    private transient ValueState<byte[]> blob;

    Hold(long keys, int valueBytes) {
      this.keys = keys;
      this.valueBytes = valueBytes;
    }

    @Override
    public void open(InitContext ctx) {
      blob = ctx.state(StateSpec.value("blob"));
    }

    @Override
    public void processElement(Long x, Context<Long> ctx, Collector<Long> out) {
      if (x < keys) {
        byte[] b = new byte[valueBytes];
        Arrays.fill(b, (byte) x.longValue());
        blob.update(b);
        LOADED.increment();
      } else if (FIRST_RECORD_NANOS.get() == 0) {
        byte[] b = blob.value();
        restoredOk = b != null && b.length == valueBytes && b[0] == (byte) (x % keys);
        FIRST_RECORD_NANOS.compareAndSet(0, System.nanoTime());
      }
    }
  }

  private static Pipeline statePipeline(long keys, int valueBytes) {
    Pipeline p = Pipeline.create("checkpoint-state");
    p.read(Sources.generator(i -> i).ratePerSecond(Math.max(1, keys / 2)))
        .filter(i -> i < keys || i % 1000 == 0)
        .keyBy(i -> i % keys)
        .process(new Hold(keys, valueBytes))
        .write(new DiscardingSink<>(null));
    return p;
  }

  private static void state(Args args) throws Exception {
    int parallelism = (int) args.getLong("parallelism", 2);
    long mb = args.getLong("state-mb", 1024);
    int valueBytes = (int) args.getLong("value-bytes", 1000);
    long keys = mb * 1_000_000 / valueBytes;
    Path ck = args.workDir().resolve("checkpoint-state");
    WordCountBench.deleteRecursively(ck);
    RunOptions o = RunOptions.streaming().withParallelism(parallelism).withCheckpointing(ck, Duration.ofSeconds(1));
    CheckpointStorage storage = new CheckpointStorage(ck, "checkpoint-state");

    JobHandle h = statePipeline(keys, valueBytes).start(o);
    while (LOADED.sum() < keys) {
      Thread.sleep(20);
    }
    long loadedAt = System.currentTimeMillis();
    System.out.printf(Locale.ROOT, "loaded %d keys x %d bytes (%d MB of values); heap used %d MB%n", keys, valueBytes,
        keys * valueBytes / 1_000_000, usedHeapMb());
    int measured = 0;
    long seen = -1;
    while (measured < 2) {
      Thread.sleep(20);
      for (long id : storage.ids()) {
        if (id > seen && storage.hasMetadata(id)) {
          seen = id;
          CheckpointMetadata m = storage.readMetadata(id);
          if (m.timestampMillis() >= loadedAt) {
            measured++;
            System.out.printf(Locale.ROOT, "RESULT checkpoint state p=%d: checkpoint %d of %d MB of heap state"
                    + " (%d keys): %d ms, %d MB in the checkpoint, %d MB written, max alignment %.1f ms%n",
                parallelism, id, keys * valueBytes / 1_000_000, keys, m.durationMillis(), m.sizeBytes() / 1_000_000,
                m.writtenBytes() / 1_000_000, m.alignmentNanos() / 1e6);
          }
        }
      }
    }
    h.cancel();
    h.result().exceptionally(e -> null).join();
    h = null;
    System.gc();

    FIRST_RECORD_NANOS.set(0);
    long t0 = System.nanoTime();
    JobHandle again = statePipeline(keys, valueBytes).start(o);
    while (FIRST_RECORD_NANOS.get() == 0 && !again.isDone()) {
      Thread.sleep(1);
    }
    double ms = (FIRST_RECORD_NANOS.get() - t0) / 1e6;
    System.out.printf(Locale.ROOT, "RESULT checkpoint state p=%d: recovery of %d MB of heap state: %.0f ms from start"
        + " to the first record processed (state restored: %s); heap used %d MB%n", parallelism,
        keys * valueBytes / 1_000_000, ms, restoredOk, usedHeapMb());
    again.cancel();
    again.result().exceptionally(e -> null).join();
    WordCountBench.deleteRecursively(ck);
  }

  private static long usedHeapMb() {
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / 1_000_000;
  }

}
