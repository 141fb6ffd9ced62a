package dev.sluice.bench;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.io.LineParser;
import dev.sluice.io.Sources;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full read of a 16 MiB file of 1BRC-style lines ({@code station;-12.3}), single-threaded,
 * through the file source's reader: {@code Sources.lines} with a parser that sums line lengths from
 * the byte range (no String per line), {@code Sources.textFiles} (one String per line), and a plain
 * {@link BufferedReader#readLine} loop as the baseline. The page cache holds the file, so this
 * measures the reader, not the disk. Use {@code -prof gc} to see allocation per operation.
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar FileSourceBench -f 1 -wi 2 -i 3 -w 2s -r 2s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class FileSourceBench {
  private static final long SIZE = 16L << 20;
  private static final SourceContext FAIL = new SourceContext() {
    @Override public int partition() { return 0; }

    @Override public int attempt() { return 0; }

    @Override public void badRecord(String raw, String position, String reason) {
      throw new BadRecordException(position, reason, raw);
    }
  };

  private Path file;
  private Source<Long> bytesSource;
  private Source<String> textSource;
  private SourceSplit bytesSplit;
  private SourceSplit textSplit;

  /** Sums line lengths, like the other two benchmarks; creates no object. */
  static final class LengthSum implements LineParser<Long> {
    long sum;

    @Override
    public void parse(byte[] buf, int start, int end, dev.sluice.api.function.Collector<Long> out) {
      sum += end - start;
    }
  }

  private final LengthSum lengthSum = new LengthSum();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    file = Files.createTempFile("sluice-filesource-bench", ".txt");
    Random r = new Random(42);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      long written = 0;
      while (written < SIZE) {
        String line = "station-" + r.nextInt(10_000) + ";" + (r.nextInt(2000) - 1000) / 10.0 + "\n";
        w.write(line);
        written += line.length();
      }
    }
    bytesSource = Sources.lines(file.toString(), lengthSum).withSplitSize(Long.MAX_VALUE);
    textSource = Sources.textFiles(file.toString()).withSplitSize(Long.MAX_VALUE);
    bytesSplit = bytesSource.splits(1).get(0);
    textSplit = textSource.splits(1).get(0);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(file);
  }

  @Benchmark
  public long linesParserOnBytes() throws IOException {
    lengthSum.sum = 0;
    try (SplitReader<Long> reader = bytesSource.reader(bytesSplit, FAIL)) {
      while (reader.read(x -> { })) {
        // drain
      }
    }
    return lengthSum.sum;
  }

  @Benchmark
  public long textFilesStrings() throws IOException {
    long[] chars = new long[1];
    try (SplitReader<String> reader = textSource.reader(textSplit, FAIL)) {
      while (reader.read(s -> chars[0] += s.length())) {
        // drain
      }
    }
    return chars[0];
  }

  @Benchmark
  public long bufferedReaderBaseline() throws IOException {
    long chars = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        chars += line.length();
      }
    }
    return chars;
  }
}
