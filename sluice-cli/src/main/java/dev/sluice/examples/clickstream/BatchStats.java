package dev.sluice.examples.clickstream;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rows written to the demo's sinks per checkpoint (= micro-batch), for the console summary. Sinks
 * wrapped by {@link #counting} add, at each checkpoint barrier, the rows their writer got since the
 * previous one. The wrapped sink travels with the plan, so it finds its stats by name in a JVM-wide
 * registry (the demo runs in one process). Thread-safe.
 */
public final class BatchStats {
  private static final Map<String, BatchStats> REGISTRY = new ConcurrentHashMap<>();
  /** The id under which rows written after the last checkpoint of a bounded job are counted. */
  public static final long END_OF_INPUT = Long.MAX_VALUE;
  private final String name;
  private final Map<Long, AtomicLong> rows = new ConcurrentHashMap<>();
  /** Nanoseconds the sinks spent in {@code commit} since {@link #commitNanos} was last called. */
  private final AtomicLong commitNanos = new AtomicLong();

  private BatchStats(String name) {
    this.name = name;
  }

  /** A new, registered instance; {@link #release} it when the job has ended. */
  public static BatchStats create() {
    BatchStats s = new BatchStats("batch-stats-" + java.util.UUID.randomUUID());
    REGISTRY.put(s.name, s);
    return s;
  }

  public void release() {
    REGISTRY.remove(name);
  }

  /** Rows written for checkpoint {@code id} by all counting sinks (0 if none). */
  public long rows(long id) {
    AtomicLong n = rows.remove(id);
    return n == null ? 0 : n.get();
  }

  /**
   * The time the sinks spent committing (writing to the database) since the last call: batches run
   * one at a time, so read after batch {@code n} committed, this is batch {@code n}'s.
   */
  public long takeCommitMillis() {
    return commitNanos.getAndSet(0) / 1_000_000;
  }

  void add(long id, long n) {
    rows.computeIfAbsent(id, k -> new AtomicLong()).addAndGet(n);
  }

  /** {@code sink}, counting its rows per checkpoint into this. */
  public <T> Sink<T> counting(Sink<T> sink) {
    return new Counting<>(sink, name);
  }

  private record Counting<T>(Sink<T> sink, String stats) implements Sink<T> {
    @Override
    public void open(int parallelism) throws IOException {
      sink.open(parallelism);
    }

    @Override
    public SinkWriter<T> writer(WriterContext context) throws IOException {
      SinkWriter<T> w = sink.writer(context);
      BatchStats s = REGISTRY.get(stats);
      return new SinkWriter<>() {
        long n;

        @Override
        public void write(T record) throws IOException {
          n++;
          w.write(record);
        }

        @Override
        public Object prepareCommit(long checkpointId) throws IOException {
          if (s != null) {
            s.add(checkpointId, n);
          }
          n = 0;
          return w.prepareCommit(checkpointId);
        }

        @Override
        public Object prepareCommit() throws IOException {
          if (s != null) {
            s.add(END_OF_INPUT, n);
          }
          n = 0;
          return w.prepareCommit();
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

    @Override
    public void commit(List<Object> committables) throws IOException {
      long t0 = System.nanoTime();
      try {
        sink.commit(committables);
      } finally {
        BatchStats s = REGISTRY.get(stats);
        if (s != null) {
          s.commitNanos.addAndGet(System.nanoTime() - t0);
        }
      }
    }

    @Override
    public boolean supportsCheckpoints() {
      return sink.supportsCheckpoints();
    }

    @Override
    public void recover(int parallelism, List<Object> committables) throws IOException {
      sink.recover(parallelism, committables);
    }

    @Override
    public void abort() {
      sink.abort();
    }

    @Override
    public String name() {
      return sink.name();
    }
  }
}
