package dev.sluice.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.io.Sources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The child JVM of {@link RocksDbStateBench}: {@code keys} keys each holding {@code valueBytes} of
 * incompressible bytes in value state (plus a visit counter), every key visited {@code visits}
 * times (read, compare, write back), in a keyed process function at parallelism {@code p}. Prints
 * wall time, records/s, the peak heap after GC (from GC notifications), the sum of the heap pools'
 * peak usages (an upper bound: pools peak at different times) and the peak size of the job's temp
 * directory (the RocksDB files, sampled every 2 s), and any wrong read.
 */
public final class RocksDbStateJob {
  private RocksDbStateJob() {}

  static byte[] blob(long key, int size) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(key * 0x9E3779B97F4A7C15L);
    for (int i = 0; i < size; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
    return b;
  }

  static final class Fill extends KeyedProcessFunction<Long, Long, String> {
    private final int valueBytes;
    private final int visits;
    private transient ValueState<byte[]> blob;
    private transient ReducingState<Integer> seen;

    Fill(int valueBytes, int visits) {
      this.valueBytes = valueBytes;
      this.visits = visits;
    }

    @Override
    public void open(InitContext ctx) {
      blob = ctx.state(StateSpec.value("blob"));
      seen = ctx.state(StateSpec.reducing("seen", Integer::sum));
    }

    @Override
    public void processElement(Long index, Context<Long> ctx, Collector<String> out) throws Exception {
      long key = ctx.currentKey();
      byte[] expected = blob(key, valueBytes);
      byte[] prev = blob.value();
      if (prev != null && !Arrays.equals(prev, expected)) {
        out.collect("BAD value of key " + key);
      }
      blob.update(expected);
      seen.add(1);
      if (seen.get() == visits && key == 0) {
        out.collect("key 0 complete");
      }
    }
  }

  public static void main(String[] args) throws Exception {
    long keys = Long.parseLong(args[0]);
    int valueBytes = Integer.parseInt(args[1]);
    int visits = Integer.parseInt(args[2]);
    String backend = args[3];
    int parallelism = Integer.parseInt(args[4]);
    Path temp = Path.of(args[5]);
    AtomicLong maxAfterGc = new AtomicLong();
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
          var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
          maxAfterGc.accumulateAndGet(heap(info.getGcInfo().getMemoryUsageAfterGc()), Math::max);
        }
      }, null, null);
    }
    AtomicLong maxDisk = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        maxDisk.accumulateAndGet(size(temp), Math::max);
        try {
          Thread.sleep(2000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "disk-sampler");
    sampler.setDaemon(true);
    sampler.start();
    System.out.printf(Locale.ROOT, "max heap %d MB; %d keys x %d bytes = %.2f GB of state in '%s', %d visits each, p=%d%n",
        Runtime.getRuntime().maxMemory() >> 20, keys, valueBytes, keys * (double) valueBytes / 1e9, backend, visits,
        parallelism);
    long t0 = System.nanoTime();
    List<String> got = Pipeline.create("rocksdb-state")
        .read(Sources.generator(i -> i).count(keys * visits))
        .keyBy(i -> i % keys)
        .process(new Fill(valueBytes, visits))
        .collect(RunOptions.streaming().withParallelism(parallelism).withStateBackend(backend).withTempDir(temp));
    long nanos = System.nanoTime() - t0;
    sampler.interrupt();
    for (String s : got) {
      System.out.println(s);
    }
    long poolPeaks = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        poolPeaks += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(Locale.ROOT, "completed in %.1f s (%.0f records/s); peak heap after GC %d MB, sum of heap pool"
            + " peaks %d MB (limit %d MB); peak temp dir (RocksDB files) %.2f GB%n",
        nanos / 1e9, keys * visits / (nanos / 1e9), maxAfterGc.get() >> 20, poolPeaks >> 20,
        Runtime.getRuntime().maxMemory() >> 20, maxDisk.get() / 1e9);
  }

  private static long size(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.mapToLong(f -> {
        try {
          return Files.isRegularFile(f) ? Files.size(f) : 0;
        } catch (IOException e) {
          return 0; // deleted by a compaction meanwhile
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static long heap(Map<String, MemoryUsage> usage) {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && usage.containsKey(pool.getName())) {
        sum += usage.get(pool.getName()).getUsed();
      }
    }
    return sum;
  }
}
