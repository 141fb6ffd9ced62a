package dev.sluice.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.io.Sinks;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The child JVM of {@link SpillBench}: counts {@code keys} distinct long keys (each key twice, in two
 * far-apart halves of the input, so the aggregation must hold or spill all of them) and writes the
 * counts to a file sink. Prints wall time and peak heap: the maximum heap used after any GC (from GC
 * notifications) and the sum of the heap pools' peak usages (an upper bound: pools peak at different
 * times).
 */
public final class SpillJob {
  private SpillJob() {}

  public static void main(String[] args) throws Exception {
    long keys = Long.parseLong(args[0]);
    int parallelism = Integer.parseInt(args[1]);
    String out = args[2];
    Path temp = Path.of(args[3]);
    AtomicLong maxAfterGc = new AtomicLong();
    AtomicLong maxBeforeGc = new AtomicLong();
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
          var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
          maxBeforeGc.accumulateAndGet(heap(info.getGcInfo().getMemoryUsageBeforeGc()), Math::max);
          maxAfterGc.accumulateAndGet(heap(info.getGcInfo().getMemoryUsageAfterGc()), Math::max);
        }
      }, null, null);
    }
    System.out.printf(Locale.ROOT, "max heap %d MB; counting %d distinct keys (%d records) at parallelism %d%n",
        Runtime.getRuntime().maxMemory() >> 20, keys, 2 * keys, parallelism);
    long t0 = System.nanoTime();
    Pipeline p = Pipeline.create("spill");
    p.read(new LongRangeSource(keys))
        .keyBy(x -> x)
        .count()
        .write(Sinks.textFiles(out));
    var result = p.run(RunOptions.batch().withParallelism(parallelism).withTempDir(temp));
    long nanos = System.nanoTime() - t0;
    long poolPeaks = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        poolPeaks += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(Locale.ROOT, "completed %s in %.2f s; peak heap after GC %d MB, before GC %d MB, sum of pool peaks %d MB (limit %d MB)%n",
        result.status(), nanos / 1e9, maxAfterGc.get() >> 20, maxBeforeGc.get() >> 20, poolPeaks >> 20,
        Runtime.getRuntime().maxMemory() >> 20);
  }

  private static long heap(java.util.Map<String, MemoryUsage> usage) {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && usage.containsKey(pool.getName())) {
        sum += usage.get(pool.getName()).getUsed();
      }
    }
    return sum;
  }

  /** Emits 0..keys-1 and then 0..keys-1 again (scrambled), in contiguous splits. */
  static final class LongRangeSource implements dev.sluice.api.source.Source<Long> {
    private final long keys;

    LongRangeSource(long keys) {
      this.keys = keys;
    }

    record Range(long from, long to) implements SourceSplit {
      @Override public String id() { return "[" + from + ".." + to + ")"; }
    }

    @Override
    public List<Range> splits(int parallelism) {
      long total = 2 * keys;
      int n = Math.max(1, parallelism * 4);
      List<Range> splits = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        splits.add(new Range(total * i / n, total * (i + 1) / n));
      }
      return splits;
    }

    @Override
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      Range r = (Range) split;
      return new SplitReader<>() {
        long next = r.from();

        @Override
        public boolean read(Collector<? super Long> out) {
          long end = Math.min(r.to(), next + 4096);
          for (; next < end; next++) {
            long k = next % keys;
            // a bijection on [0, keys) would be nicer; a multiplicative scramble keeps keys distinct enough
            out.collect(k * 0x9E3779B97F4A7C15L);
          }
          return next < r.to();
        }

        @Override public String position() { return "element " + next; }

        @Override public void close() {}
      };
    }

    @Override public String name() { return "longs(" + keys + " keys x2)"; }
  }
}
