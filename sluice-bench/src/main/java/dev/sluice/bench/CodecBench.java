package dev.sluice.bench;

import dev.sluice.api.KV;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.codec.SpillInput;
import dev.sluice.core.codec.SpillOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Serialize + deserialize round trips through the engine's {@link Serde} (Kryo) and through
 * Apache Fory, for three record shapes.
 *
 * <ul>
 *   <li>{@code kryo}/{@code fory}: one record to a fresh byte[] and back (like for like).
 *   <li>{@code kryoSpill}: the engine's real path, 16384 records through a spill file (written,
 *       closed, opened and read back; in /dev/shm when there is one, so the figure is the codec and
 *       the file format, not the disk); {@code foryStream}: 1024 records into one reused Fory
 *       buffer and back, Fory's best case without any I/O. Scores are per record.
 * </ul>
 *
 * Bytes per record are printed at setup (single value, and in a spill file / Fory stream).
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
  private static final int SPILL_RECORDS = 16 * VALUES;
  private Object[] values;
  private int next;
  private Serde serde;
  private Fory fory;
  private Path spillFile;
  private MemoryBuffer foryBuffer;

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

    try {
      Path shm = Path.of("/dev/shm");
      spillFile = Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempFile(shm, "codec-bench", ".spill")
          : Files.createTempFile("codec-bench", ".spill");
      foryBuffer = MemoryBuffer.newHeapBuffer(64 * 1024);
      kryoSpill();
      long spillBytes = Files.size(spillFile);
      foryStream();
      System.out.printf("%n# stream bytes/record shape=%s kryoSpill=%.1f foryStream=%.1f%n", shape,
          spillBytes / (double) SPILL_RECORDS, foryBuffer.writerIndex() / (double) VALUES);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    long kryoBytes = 0;
    long foryBytes = 0;
    for (Object v : values) {
      kryoBytes += serde.toBytes(v).length;
      foryBytes += fory.serialize(v).length;
    }
    System.out.printf("%n# bytes/record shape=%s kryo=%.1f fory=%.1f%n", shape,
        kryoBytes / (double) VALUES, foryBytes / (double) VALUES);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(spillFile);
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

  @Benchmark
  @OperationsPerInvocation(SPILL_RECORDS)
  public Object kryoSpill() throws IOException {
    try (SpillOutput out = serde.openWrite(spillFile)) {
      for (int i = 0; i < SPILL_RECORDS; i++) {
        out.write(values[i & (VALUES - 1)]);
      }
    }
    Object last = null;
    try (SpillInput in = serde.openRead(spillFile)) {
      while (in.hasNext()) {
        last = in.next();
      }
    }
    return last;
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public Object foryStream() {
    MemoryBuffer buffer = foryBuffer;
    buffer.writerIndex(0);
    for (Object v : values) {
      fory.serialize(buffer, v);
    }
    buffer.readerIndex(0);
    Object last = null;
    for (int i = 0; i < VALUES; i++) {
      last = fory.deserialize(buffer);
    }
    return last;
  }
}
