package dev.sluice.test;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A sink that keeps what a job writes in memory, visible while a streaming job runs: made by
 * {@link PipelineHarness#collect}. Without checkpoints, records appear as soon as a task writes them;
 * a task attempt that fails and is retried has its records withdrawn, so retries do not duplicate
 * output. With checkpoints, records appear when the checkpoint after them completes (or at the end
 * of a bounded job): each writer seals one chunk per checkpoint, with a unique id, and a commit adds
 * the chunks it has not added before, so the restarts of a recovering job never duplicate output.
 * Works with the embedded runner only (the sink is not serialized).
 *
 * <p>Thread-safe: tasks write while the test reads. {@link #values()} lists the records by
 * partition, in write order within each partition.
 */
public final class TestSink<T> implements Sink<T> {
  private final String name;
  private final transient List<Attempt<T>> attempts = new CopyOnWriteArrayList<>();
  private final transient Object signal = new Object();
  /** Committed chunks with checkpoints, in commit order. */
  private final transient List<Chunk> committed = new CopyOnWriteArrayList<>();
  private final transient java.util.Set<String> committedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** One writer's records of one checkpoint; {@code id} is unique so commits are idempotent. */
  public record Chunk(String id, int partition, ArrayList<Object> records) {}

  TestSink(String name) {
    this.name = name;
  }

  private static final class Attempt<T> {
    final int partition;
    final List<T> records = new ArrayList<>();
    volatile boolean aborted;

    Attempt(int partition) {
      this.partition = partition;
    }
  }

  @Override
  public SinkWriter<T> writer(WriterContext context) {
    if (context.checkpointing()) {
      return new SinkWriter<>() {
        private ArrayList<Object> buffer = new ArrayList<>();

        @Override public void write(T record) { buffer.add(record); }

        @Override public Object prepareCommit() { return seal(); }

        @Override public Object prepareCommit(long checkpointId) { return buffer.isEmpty() ? null : seal(); }

        private Chunk seal() {
          Chunk c = new Chunk(java.util.UUID.randomUUID().toString(), context.partition(), buffer);
          buffer = new ArrayList<>();
          return c;
        }

        @Override public void abort() { buffer.clear(); }
      };
    }
    Attempt<T> a = new Attempt<>(context.partition());
    attempts.add(a);
    return new SinkWriter<>() {
      @Override
      public void write(T record) {
        synchronized (a) {
          a.records.add(record);
        }
        synchronized (signal) {
          signal.notifyAll();
        }
      }

      @Override
      public Object prepareCommit() {
        return null;
      }

      @Override
      public void abort() {
        a.aborted = true;
        attempts.remove(a);
      }
    };
  }

  @Override
  public boolean supportsCheckpoints() {
    return true;
  }

  @Override
  public void commit(List<Object> committables) {
    boolean added = false;
    for (Object c : committables) {
      if (c instanceof Chunk chunk && committedIds.add(chunk.id())) {
        committed.add(chunk);
        added = true;
      }
    }
    if (added) {
      synchronized (signal) {
        signal.notifyAll();
      }
    }
  }

  @Override
  public String name() {
    return "testSink(" + name + ")";
  }

  /** A snapshot of the records written so far. */
  @SuppressWarnings("unchecked")
  public List<T> values() {
    List<T> out = new ArrayList<>();
    for (Chunk c : committed) {
      out.addAll((List<T>) (List<?>) c.records());
    }
    List<Attempt<T>> live = new ArrayList<>(attempts);
    live.sort((x, y) -> Integer.compare(x.partition, y.partition));
    for (Attempt<T> a : live) {
      if (!a.aborted) {
        synchronized (a) {
          out.addAll(a.records);
        }
      }
    }
    return out;
  }

  public int size() {
    return values().size();
  }

  /**
   * Waits until at least {@code n} records have been written and returns them. {@code timeout} is a
   * guard against a stuck job, not a timing assertion: make it generous. Throws
   * {@link AssertionError} listing what did arrive when it runs out.
   */
  public List<T> awaitCount(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<T> v = values();
      if (v.size() >= n) {
        return v;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected at least " + n + " records in " + name() + " within " + timeout
            + ", got " + v.size() + ": " + v);
      }
      synchronized (signal) {
        try {
          signal.wait(Math.max(1, Math.min(50, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for " + name(), e);
        }
      }
    }
  }

  /** Asserts the records as a multiset (order ignored). */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public final TestSink<T> assertValuesInAnyOrder(T... expected) {
    Multisets.assertSame(name(), Arrays.asList(expected), values());
    return this;
  }

  /** Asserts the records as a multiset (order ignored). */
  public TestSink<T> assertValuesInAnyOrder(List<? extends T> expected) {
    Multisets.assertSame(name(), expected, values());
    return this;
  }

  /** Asserts the records in order (meaningful at parallelism 1 or after a sort). */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public final TestSink<T> assertValues(T... expected) {
    List<T> actual = values();
    if (!actual.equals(Arrays.asList(expected))) {
      throw new AssertionError(name() + " differs\n  expected: " + Arrays.asList(expected) + "\n  actual:   " + actual);
    }
    return this;
  }

  @Override
  public String toString() {
    return name() + values();
  }
}
