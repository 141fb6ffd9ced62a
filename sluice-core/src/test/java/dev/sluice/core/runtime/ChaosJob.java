package dev.sluice.core.runtime;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.MapFunction;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.io.FileSink;
import dev.sluice.io.Sinks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos suite's job: a deterministic generator (event time = index in ms, optionally
 * rate-limited), keyed tumbling sums and sliding counts, each written by the exactly-once file sink.
 * Failures can be injected into a user function and into the sink writers, at random records with
 * a given probability, from a seeded {@link Random}, at most {@code budget} times per kind (operator, sink) per JVM.
 *
 * <p>{@link #main} runs it with checkpoints in a child JVM (the chaos suite kills that JVM):
 * {@code out ck n rate parallelism intervalMs opFailP sinkFailP budget seed [inputDir]}; exit code 0 when the job
 * succeeded. With {@code -Dsluice.chaos.mode=micro-batch} it runs in micro-batch mode, a batch (and
 * checkpoint) every {@code intervalMs}.
 */
public final class ChaosJob {
  static final String JOB = "chaos";

  private ChaosJob() {}

  /** Where injected failures come from; JVM-wide (functions are copied per task). */
  static final class Injector {
    static volatile double opP;
    static volatile double sinkP;
    static final AtomicInteger OP_BUDGET = new AtomicInteger();
    static final AtomicInteger SINK_BUDGET = new AtomicInteger();
    static final AtomicInteger OP_FAILURES = new AtomicInteger();
    static final AtomicInteger SINK_FAILURES = new AtomicInteger();
    static volatile Random random = new Random(0);
    /** The first failure of each kind is not left to chance: the n-th call fails (n from the seed). */
    static final AtomicLong OP_CALLS = new AtomicLong();
    static final AtomicLong SINK_CALLS = new AtomicLong();
    static volatile long opForcedAt = -1;
    static volatile long sinkForcedAt = -1;

    static synchronized void configure(double op, double sink, int budget, long seed) {
      opP = op;
      sinkP = sink;
      OP_BUDGET.set(budget);
      SINK_BUDGET.set(budget);
      OP_FAILURES.set(0);
      SINK_FAILURES.set(0);
      random = new Random(seed);
      OP_CALLS.set(0);
      SINK_CALLS.set(0);
      opForcedAt = op > 0 && budget > 0 ? 1_000 + random.nextInt(20_000) : -1;
      sinkForcedAt = sink > 0 && budget > 0 ? 10 + random.nextInt(1_000) : -1;
    }

    /** Whether this call fails: the forced n-th call of its kind, or at random with probability p. */
    static boolean fire(double p, AtomicLong calls, long forcedAt, AtomicInteger budget, AtomicInteger counter) {
      if (forcedAt >= 0 && calls.incrementAndGet() == forcedAt) {
        if (budget.getAndUpdate(b -> Math.max(0, b - 1)) <= 0) {
          return false;
        }
        counter.incrementAndGet();
        return true;
      }
      return fire(p, budget, counter);
    }

    static boolean fire(double p, AtomicInteger budget, AtomicInteger counter) {
      if (p <= 0 || random.nextDouble() >= p) {
        return false;
      }
      if (budget.getAndUpdate(b -> Math.max(0, b - 1)) <= 0) {
        return false;
      }
      counter.incrementAndGet();
      return true;
    }
  }

  /** The identity, failing at random records. */
  record FlakyMap() implements MapFunction<Long, Long> {
    @Override
    public Long apply(Long x) {
      if (Injector.fire(Injector.opP, Injector.OP_CALLS, Injector.opForcedAt, Injector.OP_BUDGET, Injector.OP_FAILURES)) {
        throw new IllegalStateException("chaos: injected operator failure at record " + x);
      }
      return x;
    }
  }

  /** A file sink whose writers fail at random writes and checkpoints. */
  static final class FlakySink<T> implements Sink<T> {
    private final FileSink<T> delegate;

    FlakySink(FileSink<T> delegate) {
      this.delegate = delegate;
    }

    @Override public void open(int parallelism) throws IOException {
      delegate.open(parallelism);
    }

    @Override public boolean supportsCheckpoints() {
      return delegate.supportsCheckpoints();
    }

    @Override public void recover(int parallelism, List<Object> committables) throws IOException {
      delegate.recover(parallelism, committables);
    }

    @Override public void commit(List<Object> committables) throws IOException {
      delegate.commit(committables);
    }

    @Override public void abort() {
      delegate.abort();
    }

    @Override public String name() {
      return "flaky-" + delegate.name();
    }

    @Override
    public SinkWriter<T> writer(WriterContext context) throws IOException {
      SinkWriter<T> w = delegate.writer(context);
      return new SinkWriter<>() {
        @Override
        public void write(T record) throws IOException {
          if (Injector.fire(Injector.sinkP, Injector.SINK_CALLS, Injector.sinkForcedAt, Injector.SINK_BUDGET, Injector.SINK_FAILURES)) {
            throw new IOException("chaos: injected sink write failure at " + record);
          }
          w.write(record);
        }

        @Override
        public Object prepareCommit() throws IOException {
          return w.prepareCommit();
        }

        @Override
        public Object prepareCommit(long checkpointId) throws IOException {
          if (Injector.fire(Injector.sinkP * 200, Injector.SINK_BUDGET, Injector.SINK_FAILURES)) {
            throw new IOException("chaos: injected sink failure at checkpoint " + checkpointId);
          }
          return w.prepareCommit(checkpointId);
        }

        @Override
        public void abort() {
          w.abort();
        }

        @Override
        public void close() throws IOException {
          w.close();
        }
      };
    }
  }

  static String tumbling(Windowed<Long, Long> w) {
    return "t " + w.key() + " " + w.window().start() + " " + w.value();
  }

  static String sliding(Windowed<Long, Long> w) {
    return "s " + w.key() + " " + w.window().start() + " " + w.value();
  }

  /** Pauses 1 ms every {@code every} records (per task): slows a file source down so that kills land mid-input. */
  static final class Throttle implements MapFunction<Long, Long> {
    private final int every;
    private transient long seen;

    Throttle(int every) {
      this.every = every;
    }

    @Override
    public Long apply(Long x) {
      if (++seen % every == 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      return x;
    }
  }

  /** The job: {@code n} events, {@code rate} per second (0: unlimited), output under {@code out/tumbling} and {@code out/sliding}. */
  static Pipeline pipeline(Path out, long n, long rate, boolean flaky) {
    return pipeline(out, n, rate, flaky, null);
  }

  /**
   * With {@code input} (a directory of text files holding the numbers {@code 0..n-1}, one a line, in
   * order within each file): the same job over the blocking file source, event time = the number,
   * throttled by a 1 ms pause every {@code rate} records per task instead of the generator's rate.
   */
  static Pipeline pipeline(Path out, long n, long rate, boolean flaky, Path input) {
    Pipeline p = Pipeline.create(JOB);
    dev.sluice.api.Dataset<Long> source;
    if (input == null) {
      source = p.read(dev.sluice.io.Sources.generator(i -> i).count(n).ratePerSecond(rate).withTimestamps(i -> i));
    } else {
      source = p.read(dev.sluice.io.Sources.textFiles(input.toString())).map(Long::parseLong)
          .map(new Throttle((int) Math.max(1, rate)))
          .withTimestamps(x -> x, dev.sluice.api.time.WatermarkStrategy.boundedOutOfOrderness(Duration.ZERO));
    }
    var events = source.map(new FlakyMap());
    FileSink<Windowed<Long, Long>> t = Sinks.textFiles(out.resolve("tumbling").toString(), ChaosJob::tumbling);
    FileSink<Windowed<Long, Long>> s = Sinks.textFiles(out.resolve("sliding").toString(), ChaosJob::sliding);
    events.keyBy(x -> x % 61).window(Windows.tumbling(Duration.ofSeconds(1))).reduce(Long::sum)
        .write(flaky ? new FlakySink<>(t) : t);
    events.keyBy(x -> x % 13).window(Windows.sliding(Duration.ofSeconds(2), Duration.ofMillis(500))).count()
        .write(flaky ? new FlakySink<>(s) : s);
    return p;
  }

  static RunOptions options(int parallelism, Path ck, long intervalMs, int maxAttempts) {
    return options(parallelism, ck, intervalMs, maxAttempts, false);
  }

  /** With {@code microBatch}: micro-batch mode with a trigger every {@code intervalMs} (every batch is a checkpoint). */
  static RunOptions options(int parallelism, Path ck, long intervalMs, int maxAttempts, boolean microBatch) {
    RunOptions base = microBatch ? RunOptions.microBatch(Duration.ofMillis(intervalMs)) : RunOptions.streaming();
    return base.withParallelism(parallelism).withMaxAttempts(maxAttempts)
        .withRetryBackoff(Duration.ZERO).withCheckpointing(ck, Duration.ofMillis(intervalMs));
  }

  public static void main(String[] args) {
    Path out = Path.of(args[0]);
    Path ck = Path.of(args[1]);
    long n = Long.parseLong(args[2]);
    long rate = Long.parseLong(args[3]);
    int parallelism = Integer.parseInt(args[4]);
    long intervalMs = Long.parseLong(args[5]);
    double opP = Double.parseDouble(args[6]);
    double sinkP = Double.parseDouble(args[7]);
    int budget = Integer.parseInt(args[8]);
    long seed = Long.parseLong(args[9]);
    Injector.configure(opP, sinkP, budget, seed);
    boolean flaky = opP > 0 || sinkP > 0;
    Path input = args.length > 10 ? Path.of(args[10]) : null;
    boolean microBatch = "micro-batch".equals(System.getProperty("sluice.chaos.mode"));
    JobResult r = pipeline(out, n, rate, flaky, input)
        .run(options(parallelism, ck, intervalMs, 2 * budget + 3, microBatch));
    System.out.println("CHAOS-CHILD " + r.status() + " opFailures=" + Injector.OP_FAILURES.get()
        + " sinkFailures=" + Injector.SINK_FAILURES.get());
    System.exit(r.status() == JobResult.Status.SUCCEEDED ? 0 : 1);
  }
}
