package dev.sluice.core.runtime;

import dev.sluice.api.KV;
import dev.sluice.api.function.Collector;
import dev.sluice.api.plan.Op;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.StreamOperator;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Test-only sources, sinks, operators and a virtual clock for the streaming runtime tests. */
final class StreamingTestSupport {
  private StreamingTestSupport() {}

  /** Waits (bounded) for a condition driven by other threads; fails with {@code what} if it never holds. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for: " + what);
      }
      Thread.sleep(2);
    }
  }

  /** Waits (bounded) until no thread named {@code sluice-*} is alive; a failure names those still alive and where they are. */
  static void awaitNoSluiceThreads() throws InterruptedException {
    try {
      await("no sluice thread alive", () -> sluiceThreads().isEmpty());
    } catch (AssertionError e) {
      StringBuilder alive = new StringBuilder();
      for (Map.Entry<Thread, StackTraceElement[]> t : sluiceThreads().entrySet()) {
        alive.append("\n  ").append(t.getKey().getName()).append(" (").append(t.getKey().getState()).append(')');
        for (int i = 0; i < Math.min(8, t.getValue().length); i++) {
          alive.append("\n    at ").append(t.getValue()[i]);
        }
      }
      throw new AssertionError(e.getMessage() + "; alive:" + alive, e);
    }
  }

  private static Map<Thread, StackTraceElement[]> sluiceThreads() {
    Map<Thread, StackTraceElement[]> out = new java.util.HashMap<>();
    Thread.getAllStackTraces().forEach((t, st) -> {
      if (t.isAlive() && t.getName().startsWith("sluice-")) {
        out.put(t, st);
      }
    });
    return out;
  }

  /** A processing-time clock the test moves by hand. */
  static final class VirtualClock implements InstantSource {
    final AtomicLong millis = new AtomicLong();

    @Override public Instant instant() { return Instant.ofEpochMilli(millis.get()); }

    @Override public long millis() { return millis.get(); }
  }

  /** An unbounded, non-blocking source of ascending longs, {@code chunk} per read; counts what it emitted. */
  static final class CountingGenerator implements Source<Long> {
    static final Map<String, AtomicLong> EMITTED = new ConcurrentHashMap<>();
    final String id;
    final int splits;
    final int chunk;

    CountingGenerator(String id, int splits, int chunk) {
      this.id = id;
      this.splits = splits;
      this.chunk = chunk;
      EMITTED.put(id, new AtomicLong());
    }

    long emitted() {
      return EMITTED.get(id).get();
    }

    record Split(int index) implements SourceSplit {
      @Override public String id() { return "gen-" + index; }
    }

    @Override
    public List<? extends SourceSplit> splits(int parallelism) {
      List<Split> out = new ArrayList<>();
      for (int i = 0; i < splits; i++) {
        out.add(new Split(i));
      }
      return out;
    }

    @Override
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      AtomicLong counter = EMITTED.get(id);
      return new SplitReader<>() {
        long next;

        @Override
        public boolean read(Collector<? super Long> out) {
          for (int i = 0; i < chunk; i++) {
            out.collect(next++);
            counter.incrementAndGet();
          }
          return true;
        }

        @Override public String position() { return "element " + next; }

        @Override public void close() {}
      };
    }

    @Override public boolean bounded() { return false; }

    @Override public boolean blocking() { return false; }
  }

  /**
   * An unbounded non-blocking source whose splits emit what the test scripts into their queues:
   * {@code long[]{value, timestamp}} records, or {@link #END} to end the split.
   */
  static final class ScriptedSource implements Source<Long> {
    static final Map<String, ConcurrentLinkedQueue<long[]>> QUEUES = new ConcurrentHashMap<>();
    static final long[] END = new long[0];
    final String id;
    final int splits;

    ScriptedSource(String id, int splits) {
      this.id = id;
      this.splits = splits;
      for (int i = 0; i < splits; i++) {
        QUEUES.put(id + "/" + i, new ConcurrentLinkedQueue<>());
      }
    }

    void emit(int split, long value, long timestamp) {
      QUEUES.get(id + "/" + split).add(new long[] {value, timestamp});
    }

    void end(int split) {
      QUEUES.get(id + "/" + split).add(END);
    }

    @Override
    public List<? extends SourceSplit> splits(int parallelism) {
      List<CountingGenerator.Split> out = new ArrayList<>();
      for (int i = 0; i < splits; i++) {
        out.add(new CountingGenerator.Split(i));
      }
      return out;
    }

    @Override
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      ConcurrentLinkedQueue<long[]> q = QUEUES.get(id + "/" + ((CountingGenerator.Split) split).index());
      return new SplitReader<>() {
        @Override
        @SuppressWarnings("unchecked")
        public boolean read(Collector<? super Long> out) {
          long[] item;
          while ((item = q.poll()) != null) {
            if (item == END) {
              return false;
            }
            ((SourceOutput<Long>) out).collect(item[0], item[1]);
          }
          return true;
        }

        @Override public String position() { return split.id(); }

        @Override public void close() {}
      };
    }

    @Override public boolean bounded() { return false; }

    @Override public boolean blocking() { return false; }
  }

  /** A sink that sleeps per record; counts what it wrote. */
  static final class SlowSink implements Sink<Object> {
    static final Map<String, AtomicLong> WRITTEN = new ConcurrentHashMap<>();
    final String id;
    final long sleepMillis;

    SlowSink(String id, long sleepMillis) {
      this.id = id;
      this.sleepMillis = sleepMillis;
      WRITTEN.put(id, new AtomicLong());
    }

    long written() {
      return WRITTEN.get(id).get();
    }

    @Override
    public SinkWriter<Object> writer(WriterContext context) {
      AtomicLong written = WRITTEN.get(id);
      return new SinkWriter<>() {
        @Override
        public void write(Object record) {
          try {
            Thread.sleep(sleepMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          written.incrementAndGet();
        }

        @Override public Object prepareCommit() { return null; }

        @Override public void abort() {}
      };
    }

    @Override public void commit(List<Object> committables) {}
  }

  /**
   * A keyed running count that emits {@code KV(key, count)} for every key that changed when the
   * watermark advances (and at the end), and records every watermark it was given.
   */
  static final class RunningCount implements StreamOperator {
    static final Map<String, List<Long>> WATERMARKS = new ConcurrentHashMap<>();
    static final Map<String, List<Object>> EMITTED = new ConcurrentHashMap<>();
    static final Map<String, List<Long>> TIMESTAMPS = new ConcurrentHashMap<>();
    private final String id;
    private OperatorContext ctx;
    private final Map<Object, Long> counts = new HashMap<>();
    private final Map<Object, Long> changed = new HashMap<>();

    RunningCount(String id) {
      this.id = id;
      WATERMARKS.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
      EMITTED.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
      TIMESTAMPS.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
    }

    /** A factory for {@link StreamConfig#withOperators}: every stream op becomes a running count. */
    static java.util.function.BiFunction<Op, ClassLoader, StreamOperator> factory(String id) {
      return (op, cl) -> new RunningCount(id);
    }

    @Override
    public void open(OperatorContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void processElement(int input, Object key, Object value, long timestamp) {
      TIMESTAMPS.get(id).add(timestamp);
      long c = counts.merge(key, 1L, Long::sum);
      changed.put(key, c);
    }

    @Override
    public void processWatermark(long watermark) {
      WATERMARKS.get(id).add(watermark);
      flush(watermark);
      ctx.output().emitWatermark(watermark);
    }

    private void flush(long ts) {
      for (Map.Entry<Object, Long> e : changed.entrySet()) {
        KV<Object, Long> kv = new KV<>(e.getKey(), e.getValue());
        EMITTED.get(id).add(kv);
        ctx.output().emit(kv, ts);
      }
      changed.clear();
    }

    @Override
    public void finish() {
      flush(Long.MAX_VALUE);
    }
  }
}
