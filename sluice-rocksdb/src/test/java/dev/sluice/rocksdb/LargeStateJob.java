package dev.sluice.rocksdb;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.io.Sources;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child JVM of {@link LargeStateTest}: {@code keys} keys, each holding {@code valueBytes} of
 * incompressible bytes in value state, every key visited {@code visits} times (read, check, write
 * back). Prints {@code ok <key>} for every 10 000th key whose state was complete and correct,
 * {@code BAD ...} for any wrong read, and {@code DONE}.
 */
public final class LargeStateJob {
  private LargeStateJob() {}

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
      Integer n = seen.get();
      if (n == visits && key % 10_000 == 0) {
        out.collect("ok " + key);
      } else if (n > visits) {
        out.collect("BAD visits of key " + key + ": " + n);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    long keys = Long.parseLong(args[0]);
    int valueBytes = Integer.parseInt(args[1]);
    int visits = Integer.parseInt(args[2]);
    String backend = args[3];
    Path temp = Path.of(args[4]);
    System.out.println("max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MB; " + keys + " keys x " + valueBytes
        + " bytes = " + (keys * valueBytes >> 20) + " MB of state in '" + backend + "'");
    long t0 = System.nanoTime();
    List<String> got = Pipeline.create("large-state")
        .read(Sources.generator(i -> i).count(keys * visits))
        .keyBy(i -> i % keys)
        .process(new Fill(valueBytes, visits))
        .collect(RunOptions.streaming().withParallelism(2).withStateBackend(backend).withTempDir(temp));
    for (String s : got) {
      System.out.println(s);
    }
    System.out.printf("DONE in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }
}
