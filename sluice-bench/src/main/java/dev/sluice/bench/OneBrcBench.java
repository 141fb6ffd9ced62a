package dev.sluice.bench;

import static java.util.stream.Collectors.groupingBy;

import dev.sluice.api.RunOptions;
import dev.sluice.examples.OneBrc;
import dev.sluice.examples.OneBrcGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collector;

/**
 * The One Billion Row Challenge on a generated file (default 100M rows, cached): the challenge's
 * simple baseline (sequential {@code Files.lines} + {@code groupingBy}) against Sluice at parallelism
 * 2, outputs checked identical. Each is warmed up once on the full file, then they alternate for
 * {@code --runs} (default 3) measured runs; best and median are reported.
 */
public final class OneBrcBench {
  private OneBrcBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long rows = args.getLong("rows", 100_000_000);
    int parallelism = (int) args.getLong("parallelism", 2);
    Path work = args.workDir();
    Files.createDirectories(work);
    Path file = cached(work, rows);
    System.out.printf(Locale.ROOT, "measurements %s: %d rows, %.1f MB%n", file, rows, Files.size(file) / 1048576.0);

    int runs = (int) args.getLong("runs", 3);
    RunOptions options = RunOptions.batch().withParallelism(parallelism);
    // Warm up both once on the full file (JIT, page cache), as the word count benchmark does.
    long t0 = System.nanoTime();
    String sluice = OneBrc.run(file.toString(), options);
    System.out.printf(Locale.ROOT, "warm-up: sluice p=%d %.2f s%n", parallelism, Args.seconds(System.nanoTime() - t0));
    t0 = System.nanoTime();
    String baseline = baseline(file);
    System.out.printf(Locale.ROOT, "warm-up: baseline %.2f s%n", Args.seconds(System.nanoTime() - t0));
    long[] sluiceRuns = new long[runs];
    long[] baselineRuns = new long[runs];
    for (int i = 0; i < runs; i++) {
      t0 = System.nanoTime();
      baseline = baseline(file);
      baselineRuns[i] = System.nanoTime() - t0;
      t0 = System.nanoTime();
      sluice = OneBrc.run(file.toString(), options);
      sluiceRuns[i] = System.nanoTime() - t0;
      System.out.printf(Locale.ROOT, "run %d: baseline %.2f s, sluice p=%d %.2f s%n", i + 1,
          Args.seconds(baselineRuns[i]), parallelism, Args.seconds(sluiceRuns[i]));
    }
    java.util.Arrays.sort(sluiceRuns);
    java.util.Arrays.sort(baselineRuns);
    long sluiceNanos = sluiceRuns[0];
    long baselineNanos = baselineRuns[0];
    long sluiceMedian = sluiceRuns[runs / 2];
    long baselineMedian = baselineRuns[runs / 2];

    boolean same = baseline.equals(sluice);
    System.out.println("outputs identical: " + same);
    System.out.printf(Locale.ROOT, "RESULT 1brc %d rows: best of %d: baseline %.2f s, sluice p=%d %.2f s, speed-up %.2fx;"
        + " median: %.2f s vs %.2f s, %.2fx (target >= 8x)%n",
        rows, runs, Args.seconds(baselineNanos), parallelism, Args.seconds(sluiceNanos), (double) baselineNanos / sluiceNanos,
        Args.seconds(baselineMedian), Args.seconds(sluiceMedian), (double) baselineMedian / sluiceMedian);
    if (!same) {
      System.out.println("baseline: " + baseline.substring(0, Math.min(300, baseline.length())));
      System.out.println("sluice:   " + sluice.substring(0, Math.min(300, sluice.length())));
      System.exit(1);
    }
  }

  static Path cached(Path work, long rows) throws IOException {
    Path file = work.resolve("measurements-" + rows + ".txt");
    if (!Files.exists(file)) {
      long t0 = System.nanoTime();
      Path tmp = work.resolve(file.getFileName() + ".tmp");
      OneBrcGenerator.generate(rows, tmp, 42);
      Files.move(tmp, file);
      System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", file, Args.seconds(System.nanoTime() - t0));
    }
    return file;
  }

  // ---- the challenge's baseline (CalculateAverage.java in gunnarmorling/1brc), written here ----

  private record Measurement(String station, double value) {
    private Measurement(String[] parts) {
      this(parts[0], Double.parseDouble(parts[1]));
    }
  }

  private record ResultRow(double min, double mean, double max) {
    @Override
    public String toString() {
      return round(min) + "/" + round(mean) + "/" + round(max);
    }

    private double round(double value) {
      return Math.round(value * 10.0) / 10.0;
    }
  }

  private static final class MeasurementAggregator {
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;
    private long count;
  }

  static String baseline(Path file) throws IOException {
    Collector<Measurement, MeasurementAggregator, ResultRow> collector = Collector.of(
        MeasurementAggregator::new,
        (a, m) -> {
          a.min = Math.min(a.min, m.value);
          a.max = Math.max(a.max, m.value);
          a.sum += m.value;
          a.count++;
        },
        (agg1, agg2) -> {
          var res = new MeasurementAggregator();
          res.min = Math.min(agg1.min, agg2.min);
          res.max = Math.max(agg1.max, agg2.max);
          res.sum = agg1.sum + agg2.sum;
          res.count = agg1.count + agg2.count;
          return res;
        },
        agg -> new ResultRow(agg.min, (Math.round(agg.sum * 10.0) / 10.0) / agg.count, agg.max));
    Map<String, ResultRow> measurements;
    try (var lines = Files.lines(file)) {
      measurements = new TreeMap<>(lines
          .map(l -> new Measurement(l.split(";")))
          .collect(groupingBy(m -> m.station(), collector)));
    }
    return measurements.toString();
  }
}
