package dev.sluice.bench;

import dev.sluice.api.KV;
import dev.sluice.core.codec.Serde;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Serialize + deserialize round trips of one record through the engine's {@link Serde} (Kryo)
 * and through Apache Fory, for three record shapes. Both sides return a fresh byte[] per record
 * and read it back, so the comparison is like for like. Bytes per record are printed at setup.
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar CodecBench -f 1 -wi 2 -i 3 -w 1s -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class CodecBench {
  /** The "small record" shape. */
  public record Trade(String symbol, int quantity, double price) {}

  @Param({"kv", "record", "string"})
  public String shape;

  private static final int VALUES = 1024; // cycled, so no single value gets constant-folded
  private Object[] values;
  private int next;
  private Serde serde;
  private Fory fory;

  @Setup(Level.Trial)
  public void setUp() {
    Random r = new Random(42);
    values = new Object[VALUES];
    for (int i = 0; i < VALUES; i++) {
      values[i] = switch (shape) {
        case "kv" -> KV.of("user-" + r.nextInt(100_000), r.longs(4, 0, 1_000_000).toArray());
        case "record" -> new Trade("SYM" + r.nextInt(500), r.nextInt(10_000), r.nextDouble() * 1000);
        default -> "station-" + r.nextInt(10_000) + ";" + (r.nextInt(2000) - 1000) / 10.0;
      };
    }
    serde = new Serde(Map.of(), Set.of());
    fory = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(true)
        .withRefTracking(false).build();
    fory.register(KV.class);
    fory.register(Trade.class);

    long kryoBytes = 0;
    long foryBytes = 0;
    for (Object v : values) {
      kryoBytes += serde.toBytes(v).length;
      foryBytes += fory.serialize(v).length;
    }
    System.out.printf("%n# bytes/record shape=%s kryo=%.1f fory=%.1f%n", shape,
        kryoBytes / (double) VALUES, foryBytes / (double) VALUES);
  }

  private Object nextValue() {
    int i = next;
    next = (i + 1) & (VALUES - 1);
    return values[i];
  }

  @Benchmark
  public Object kryo() {
    return serde.fromBytes(serde.toBytes(nextValue()));
  }

  @Benchmark
  public Object fory() {
    return fory.deserialize(fory.serialize(nextValue()));
  }
}
