package dev.sluice.bench;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.ProcessFunction;
import dev.sluice.examples.nexmark.DiscardingSink;
import dev.sluice.examples.nexmark.Event;
import dev.sluice.examples.nexmark.EventCounter;
import dev.sluice.examples.nexmark.GeneratorConfig;
import dev.sluice.examples.nexmark.Nexmark;
import dev.sluice.examples.nexmark.NexmarkGenerator;
import dev.sluice.examples.nexmark.NexmarkSource;
import dev.sluice.examples.nexmark.Queries;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * NEXMark: {@code Bench nexmark [--query q1|all] [--events N] [--parallelism P] [--runs R]} runs each
 * query over N generated events (streaming mode, results counted and dropped) after one warm-up run,
 * and prints the best and median events/s and events/s per core; plus the generator alone on one
 * thread, for scale.
 *
 * <p>Latency mode, {@code --rate R [--seconds S]}: the generator emits each event when the wall
 * clock reaches its timestamp, R events/s for S seconds; a probe after the query measures, per
 * result, the wall clock minus the result's event timestamp (for windows: the window's end), and
 * prints p50/p99/p99.9.
 */
public final class NexmarkBench {
  private NexmarkBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    int parallelism = (int) args.getLong("parallelism", 2);
    long rate = args.getLong("rate", 0);
    String q = args.get("query", rate > 0 ? "q1" : "all");
    List<String> queries = q.equals("all") ? Queries.NAMES : List.of(q.split(","));
    if (rate > 0) {
      for (String query : queries) {
        latency(query, rate, args.getLong("seconds", 10), parallelism);
      }
      return;
    }
    long events = args.getLong("events", 10_000_000);
    int runs = (int) args.getLong("runs", 3);
    generatorAlone(events);
    int cores = Math.min(parallelism, Runtime.getRuntime().availableProcessors());
    for (String query : queries) {
      double[] rates = new double[runs];
      for (int i = -1; i < runs; i++) {
        Nexmark.Built b = Nexmark.build(Nexmark.Job.of(query, events));
        long t0 = System.nanoTime();
        JobResult r = b.pipeline().run(RunOptions.streaming().withParallelism(parallelism));
        double s = Args.seconds(System.nanoTime() - t0);
        long n = Nexmark.eventsRead(b, r);
        double perSec = n / s;
        System.out.printf(Locale.ROOT, "%s %s: %d events in %.2f s, %.0f events/s, %d results%n", query,
            i < 0 ? "warm-up" : "run " + (i + 1), n, s, perSec, b.results().get());
        b.events().release();
        b.results().release();
        if (i >= 0) {
          rates[i] = perSec;
        }
      }
      Arrays.sort(rates);
      double best = rates[runs - 1];
      double median = rates[runs / 2];
      System.out.printf(Locale.ROOT,
          "RESULT nexmark %s p=%d, %d events: best %.2fM events/s (%.2fM per core), median %.2fM events/s (%.2fM per core)%n",
          query, parallelism, events, best / 1e6, best / cores / 1e6, median / 1e6, median / cores / 1e6);
    }
  }

  /** The generator's own speed: events made per second on one thread, nothing else. */
  private static void generatorAlone(long events) {
    NexmarkGenerator g = new NexmarkGenerator(GeneratorConfig.defaults(events));
    long sink = 0;
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      for (long id = 0; id < events; id++) {
        sink += g.event(id).timestamp();
      }
      double s = Args.seconds(System.nanoTime() - t0);
      System.out.printf(Locale.ROOT, "generator alone (%s): %.2fM events/s on one thread%s%n", round == 0 ? "warm-up" : "measured",
          events / s / 1e6, sink == 42 ? "!" : "");
    }
  }

  private static void latency(String query, long rate, long seconds, int parallelism) {
    long events = rate * seconds;
    // start a second from now, so the job is up before the first event is due
    long base = System.currentTimeMillis() + 1000;
    GeneratorConfig config = new GeneratorConfig(42, events, base, rate, 1000, 100, 2, 4, 4, 200, 500, 100);
    EventCounter counter = new EventCounter();
    Pipeline p = Pipeline.create("nexmark-latency-" + query);
    Dataset<Event> in = p.read(NexmarkSource.realTime(config, counter));
    Dataset<?> out = Queries.build(query, in, Queries.Params.defaults());
    LatencyProbe.SAMPLES.clear();
    out.process(new LatencyProbe()).write(new DiscardingSink<>(null));
    long t0 = System.nanoTime();
    JobResult r = p.run(RunOptions.streaming().withParallelism(parallelism));
    double s = Args.seconds(System.nanoTime() - t0);
    long[] hist = new long[LatencyProbe.BUCKETS + 1];
    long n = 0;
    for (long[] h : LatencyProbe.SAMPLES) {
      for (int i = 0; i < h.length; i++) {
        hist[i] += h[i];
        n += h[i];
      }
    }
    String pct = n == 0 ? "n/a"
        : String.format(Locale.ROOT, "%.2f/%.2f/%.2f", percentile(hist, n, 0.50), percentile(hist, n, 0.99),
            percentile(hist, n, 0.999));
    JobResult.StreamStats st = r.stream();
    String runtime = st == null || st.latencySamples() == 0 ? "n/a"
        : String.format(Locale.ROOT, "%.3f/%.3f/%.3f (%d samples)", st.p50Ms(), st.p99Ms(), st.p999Ms(), st.latencySamples());
    System.out.printf(Locale.ROOT, "RESULT nexmark latency %s p=%d at %d events/s for %d s: %d events in %.1f s;"
        + " event time to result p50/p99/p99.9 ms: %s (%d results); runtime's source read to sink write p50/p99/p99.9 ms: %s%n",
        query, parallelism, rate, seconds, counter.get(), s, pct, n, runtime);
    counter.release();
  }

  /** The upper edge (ms) of the bucket holding the {@code q} quantile. */
  static double percentile(long[] hist, long n, double q) {
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i < hist.length; i++) {
      seen += hist[i];
      if (seen >= rank) {
        return (i + 1) * LatencyProbe.BUCKET_MICROS / 1000.0;
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  /**
   * Times each result, then passes it on: wall clock minus its event timestamp, in 10 µs buckets up
   * to 10 s (and one overflow bucket). One histogram per task, handed over when the task closes.
   */
  static final class LatencyProbe extends ProcessFunction<Object, Object> {
    static final int BUCKET_MICROS = 10;
    static final int BUCKETS = 1_000_000;
    static final ConcurrentLinkedQueue<long[]> SAMPLES = new ConcurrentLinkedQueue<>();
    private transient long[] hist;
    private transient long wallMicros0;
    private transient long nanos0;

    @Override
    public void open() {
      hist = new long[BUCKETS + 1];
      java.time.Instant now = java.time.Instant.now(); // microseconds, not currentTimeMillis' whole ms
      wallMicros0 = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
      nanos0 = System.nanoTime();
    }

    @Override
    public void processElement(Object value, Context ctx, Collector<Object> out) {
      long ts = ctx.timestamp();
      if (ts == Long.MIN_VALUE) {
        return;
      }
      long nowMicros = wallMicros0 + (System.nanoTime() - nanos0) / 1000;
      // from the moment the event was due (the source emits it once the clock reaches its timestamp)
      long micros = nowMicros - ts * 1000;
      int bucket = (int) Math.max(0, Math.min(BUCKETS, micros / BUCKET_MICROS));
      hist[bucket]++;
      out.collect(value);
    }

    @Override
    public void close() {
      if (hist != null) {
        SAMPLES.add(hist);
        hist = null;
      }
    }
  }
}
