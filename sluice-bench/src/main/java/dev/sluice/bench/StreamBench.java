package dev.sluice.bench;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Throughput and end-to-end latency of the streaming runtime on synthetic input:
 * {@code stream [--events N] [--parallelism P] [--runs R] [--shape fused|shuffle] [--rate EVENTS_PER_S]}. A bounded,
 * non-blocking generator of {@code N} longs (with event timestamps) is read by {@code P} tasks;
 * {@code fused} is generator -> map -> filter -> discarding sink in one chain (NEXMark q1/q2 shape),
 * {@code shuffle} adds a rebalance so every record crosses a channel between tasks. Prints events/s
 * (source records over the job's run time) and the latency percentiles the runtime measured. With
 * {@code --rate} the generator is paced to that many events per second in total (for latency at a
 * given load) instead of running flat out.
 */
public final class StreamBench {
  private StreamBench() {}

  public static void main(String[] argv) {
    Args args = new Args(argv);
    long events = args.getLong("events", 50_000_000);
    int parallelism = (int) args.getLong("parallelism", 1);
    int runs = (int) args.getLong("runs", 5);
    String shape = args.get("shape", "fused");
    long rate = args.getLong("rate", 0);
    System.out.printf(Locale.ROOT, "stream %s: %,d events, parallelism %d%n", shape, events, parallelism);
    for (int r = 1; r <= runs; r++) {
      Pipeline p = Pipeline.create("stream-bench");
      var ds = p.read(new Generator(events, rate)).map(x -> x * 3).filter(x -> (x & 7) != 1);
      if (shape.equals("shuffle")) {
        ds = ds.rebalance();
      }
      ds.write(new Discard());
      JobResult res = p.run(RunOptions.streaming().withParallelism(parallelism));
      JobResult.StreamStats s = res.stream();
      System.out.printf(Locale.ROOT,
          "run %d: %.3f s, %,.0f events/s (%,.0f per task), latency p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms%n",
          r, s.duration().toNanos() / 1e9, s.eventsPerSecond(), s.eventsPerSecond() / parallelism, s.p50Ms(),
          s.p99Ms(), s.p999Ms());
    }
  }

  /** N longs, split evenly, 4096 per read, event time = the value. */
  static final class Generator implements Source<Long> {
    private final long n;
    private final long rate;

    Generator(long n, long rate) {
      this.n = n;
      this.rate = rate;
    }

    record Range(int index, long from, long to) implements SourceSplit {
      @Override public String id() { return "gen-" + index; }
    }

    @Override
    public List<? extends SourceSplit> splits(int parallelism) {
      List<Range> out = new ArrayList<>();
      for (int i = 0; i < parallelism; i++) {
        out.add(new Range(i, n * i / parallelism, n * (i + 1) / parallelism));
      }
      return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      Range r = (Range) split;
      int splits = (int) Math.max(1, Math.round((double) n / Math.max(1, r.to() - r.from())));
      double perNano = rate / 1e9 / splits;
      return new SplitReader<>() {
        long next = r.from();
        long start = System.nanoTime();

        @Override
        public boolean read(Collector<? super Long> out) {
          long end = Math.min(r.to(), next + 4096);
          if (perNano > 0) {
            long allowed = r.from() + (long) ((System.nanoTime() - start) * perNano);
            end = Math.min(end, allowed);
            if (end <= next) {
              return true;
            }
          }
          if (out instanceof SourceOutput<?> so) {
            SourceOutput<Long> o = (SourceOutput<Long>) so;
            for (long i = next; i < end; i++) {
              o.collect(i, i);
            }
          } else {
            for (long i = next; i < end; i++) {
              out.collect(i);
            }
          }
          next = end;
          return next < r.to();
        }

        @Override public String position() { return "element " + next; }

        @Override public void close() {}
      };
    }

    @Override public boolean blocking() { return false; }

    @Override public String name() { return "generator(" + n + ")"; }
  }

  /** Counts and drops. */
  static final class Discard implements Sink<Long> {
    @Override
    public SinkWriter<Long> writer(WriterContext context) {
      return new SinkWriter<>() {
        long count;

        @Override public void write(Long record) { count++; }

        @Override public Object prepareCommit() { return count; }

        @Override public void abort() {}
      };
    }

    @Override public void commit(List<Object> committables) {}

    @Override public String name() { return "discard"; }
  }
}
