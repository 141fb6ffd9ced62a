package dev.sluice.bench;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.io.FileSink;
import dev.sluice.io.Sinks;
import dev.sluice.io.Sources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Honest end-to-end latency of micro-batch mode:
 * {@code microbatch [--events N] [--rate R] [--trigger-ms 100] [--parallelism P] [--runs K] [--work-dir D]}.
 *
 * <p>A rate-limited generator of {@code N} longs ({@code R} per second over all splits) feeds an
 * exactly-once file sink through a map, in {@code RunOptions.microBatch(trigger)} with checkpoints in a
 * fresh directory. A record's latency is measured from its <em>due time</em> (when the rate-limited
 * generator makes it available: record {@code i} is due {@code (i + 1) / R} s after the readers started;
 * the origin is the first reader's start, so a later reader's records count as later, never earlier) to
 * the moment its output is <em>committed</em> (visible): the sink wraps the file sink, remembers which
 * records each checkpoint's staged file holds, and stamps them after {@code FileSink.commit} returned.
 * This includes the wait for the next trigger, planning, the offset log, the batch itself, the
 * checkpoint (state files, metadata) and the file commit. The runtime's own histogram (source read to
 * sink write, {@code JobResult.stream()}) is printed beside it for comparison: in micro-batch mode it
 * leaves out the wait for the trigger and the commit.
 */
public final class MicroBatchBench {
  private MicroBatchBench() {}

  /** Commit stamps of one run, by run id (the sink is copied into the plan; this is how it reports back). */
  static final ConcurrentHashMap<String, Run> RUNS = new ConcurrentHashMap<>();

  static final class Run {
    final long[] committedAt;
    final AtomicLong committed = new AtomicLong();
    final AtomicLong commits = new AtomicLong();

    Run(long events) {
      committedAt = new long[(int) events];
    }
  }

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long events = args.getLong("events", 200_000);
    long rate = args.getLong("rate", 50_000);
    long triggerMs = args.getLong("trigger-ms", 100);
    int parallelism = (int) args.getLong("parallelism", 2);
    int runs = (int) args.getLong("runs", 3);
    Path work = args.workDir().resolve("microbatch");
    System.out.printf(Locale.ROOT, "microbatch: %,d events at %,d/s, trigger %d ms, parallelism %d, file sink%n",
        events, rate, triggerMs, parallelism);
    for (int r = 0; r <= runs; r++) {
      String label = r == 0 ? "warm-up" : "run " + r;
      Result res = once(work, events, rate, triggerMs, parallelism, label);
      if (r > 0) {
        System.out.println(res.line);
      }
    }
  }

  record Result(String line) {}

  static Result once(Path work, long events, long rate, long triggerMs, int parallelism, String label)
      throws IOException {

    Path dir = work.resolve(label.replace(' ', '-'));
    dev.sluice.core.io.FileOutput.deleteRecursively(dir);
    Files.createDirectories(dir);
    String id = dir.toString();
    Run run = new Run(events);
    RUNS.put(id, run);
    OriginClock clock = new OriginClock();
    Pipeline p = Pipeline.create("microbatch-bench");
    p.read(Sources.generator(i -> i).count(events).ratePerSecond(rate).withClock(clock))
        .map(x -> x)
        .write(new TimingSink(id, Sinks.textFiles(dir.resolve("out").toString())));
    JobResult res = p.run(RunOptions.microBatch(Duration.ofMillis(triggerMs)).withParallelism(parallelism)
        .withCheckpointing(dir.resolve("ck"), Duration.ofSeconds(1)));
    RUNS.remove(id);
    long origin = clock.origin.get();
    long[] lat = new long[(int) events];
    int n = 0;
    for (long i = 0; i < events; i++) {
      long c = run.committedAt[(int) i];
      if (c == 0) {
        continue;
      }
      long due = origin + (long) ((i + 1) * 1e9 / rate);
      lat[n++] = c - due;
    }
    Arrays.sort(lat, 0, n);
    JobResult.StreamStats s = res.stream();
    String line = String.format(Locale.ROOT, "RESULT microbatch %s p=%d trigger %d ms, %,d events at %,d/s: "
            + "%,d records committed in %d commits; due time to commit p50/p99/p99.9/max ms: %.1f/%.1f/%.1f/%.1f; "
            + "runtime's read-to-write p50/p99/p99.9 ms: %.3f/%.3f/%.3f", label, parallelism, triggerMs, events, rate,
        n, run.commits.get(), pct(lat, n, 0.50), pct(lat, n, 0.99), pct(lat, n, 0.999), n == 0 ? 0 : lat[n - 1] / 1e6,
        s.p50Ms(), s.p99Ms(), s.p999Ms());
    if (n != events) {
      line += String.format(Locale.ROOT, " (MISSING %,d records)", events - n);
    }
    dev.sluice.core.io.FileOutput.deleteRecursively(dir);
    return new Result(line);
  }

  private static double pct(long[] sorted, int n, double q) {
    if (n == 0) {
      return 0;
    }
    int i = (int) Math.min(n - 1, Math.ceil(q * n) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  /** {@link System#nanoTime()} as an instant; remembers the first reading (the first reader's start). */
  static final class OriginClock implements InstantSource, java.io.Serializable {
    final transient AtomicLong origin = new AtomicLong();

    @Override
    public Instant instant() {
      long now = System.nanoTime();
      if (origin != null && origin.get() == 0) {
        origin.compareAndSet(0, now);
      }
      return Instant.ofEpochSecond(now / 1_000_000_000L, now % 1_000_000_000L);
    }
  }

  /**
   * The file sink, plus: each committable carries the indices of the records in its staged file, and
   * {@link #commit} stamps them with the time the file commit returned.
   */
  static final class TimingSink implements Sink<Long> {
    private final String run;
    private final FileSink<Long> files;

    TimingSink(String run, FileSink<Long> files) {
      this.run = run;
      this.files = files;
    }

    @Override
    public void open(int parallelism) throws IOException {
      files.open(parallelism);
    }

    @Override
    public boolean supportsCheckpoints() {
      return true;
    }

    @Override
    public void recover(int parallelism, List<Object> committables) throws IOException {
      files.recover(parallelism, unwrap(committables));
    }

    @Override
    public SinkWriter<Long> writer(WriterContext context) throws IOException {
      SinkWriter<Long> w = files.writer(context);
      return new SinkWriter<>() {
        long[] indices = new long[1024];
        int size;

        @Override
        public void write(Long record) throws IOException {
          w.write(record);
          if (size == indices.length) {
            indices = Arrays.copyOf(indices, size * 2);
          }
          indices[size++] = record;
        }

        private Object wrap(Object c) {
          long[] idx = Arrays.copyOf(indices, size);
          size = 0;
          return c == null && idx.length == 0 ? null : List.of(c == null ? "none" : c, idx);
        }

        @Override
        public Object prepareCommit() throws IOException {
          return wrap(w.prepareCommit());
        }

        @Override
        public Object prepareCommit(long checkpointId) throws IOException {
          return wrap(w.prepareCommit(checkpointId));
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

    private static List<Object> unwrap(List<Object> committables) {
      List<Object> out = new ArrayList<>();
      for (Object c : committables) {
        Object inner = ((List<?>) c).get(0);
        if (!"none".equals(inner)) {
          out.add(inner);
        }
      }
      return out;
    }

    @Override
    public void commit(List<Object> committables) throws IOException {
      files.commit(unwrap(committables));
      long now = System.nanoTime();
      Run r = RUNS.get(run);
      if (r == null) {
        return;
      }
      r.commits.incrementAndGet();
      for (Object c : committables) {
        for (long i : (long[]) ((List<?>) c).get(1)) {
          if (r.committedAt[(int) i] == 0) {
            r.committedAt[(int) i] = now;
            r.committed.incrementAndGet();
          }
        }
      }
    }

    @Override
    public String name() {
      return "timed-" + files.name();
    }
  }
}
