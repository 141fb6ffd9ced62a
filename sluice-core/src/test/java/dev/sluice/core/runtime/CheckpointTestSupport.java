package dev.sluice.core.runtime;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Test-only sources that report their position, so jobs reading them can be checkpointed. */
final class CheckpointTestSupport {
  private CheckpointTestSupport() {}

  /**
   * A read of {@code [from, to)} (split non-negative) behind a closed gate stops at the middle: the
   * read's end capped there, or -1 after a 1 ms pause when the reader is at the middle already.
   */
  static long untilMiddle(long from, long to, long next, long end) {
    long middle = (from + to) / 2;
    if (next >= middle) {
      LockSupport.parkNanos(1_000_000);
      return -1;
    }
    return Math.min(end, middle);
  }

  private static final java.util.Map<String, java.util.concurrent.atomic.AtomicBoolean> FLAGS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The flag of that name (created false), shared by a test and the functions of its job. */
  static java.util.concurrent.atomic.AtomicBoolean flag(String name) {
    return FLAGS.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicBoolean());
  }

  /**
   * The flags of {@link #gatedFailingJob} {@code name}: split "b"'s gate; {@code fail}: split "b"'s
   * next record fails the job (once) when set; {@code failed}: it has.
   */
  record GatedFailingFlags(
      java.util.concurrent.atomic.AtomicBoolean gate,
      java.util.concurrent.atomic.AtomicBoolean fail,
      java.util.concurrent.atomic.AtomicBoolean failed) {
    static GatedFailingFlags of(String name) {
      return new GatedFailingFlags(GatedTwoSplits.gate(name), flag(name + "/fail"), flag(name + "/failed"));
    }

    /** All three cleared, for a new run. */
    void reset() {
      gate.set(false);
      fail.set(false);
      failed.set(false);
    }
  }

  /**
   * The job of the finishing-writer tests: {@link GatedTwoSplits} (gate {@code name}), each element
   * tripled into {@code sink}; once its {@link GatedFailingFlags} {@code fail} is set, the next
   * element of split "b" fails the job, once.
   */
  static dev.sluice.api.Pipeline gatedFailingJob(String name, dev.sluice.api.internal.CollectSink<Long> sink) {
    dev.sluice.api.Pipeline p = dev.sluice.api.Pipeline.create(name);
    p.read(new GatedTwoSplits(name)).map(x -> {
      if (x >= 1_000) {
        GatedFailingFlags flags = GatedFailingFlags.of(name); // by name: the function captures no flag
        if (flags.fail().get() && flags.failed().compareAndSet(false, true)) {
          throw new IllegalStateException("injected failure at " + x);
        }
      }
      return x * 3;
    }).write(sink);
    return p;
  }

  /** How the finishing-writer tests run their job: p=2, one restart, checkpoints every 5 ms. */
  static dev.sluice.api.RunOptions gatedFailingJobOptions(java.nio.file.Path checkpoints) {
    return dev.sluice.api.RunOptions.streaming().withParallelism(2).withMaxAttempts(2)
        .withRetryBackoff(java.time.Duration.ZERO).withCheckpointing(checkpoints, java.time.Duration.ofMillis(5));
  }

  /** The job's whole output, sorted: every element of both splits tripled, once. */
  static List<Long> gatedFailingJobOutput() {
    List<Long> out = new ArrayList<>();
    for (long x = 0; x < 2_000; x++) {
      out.add(x * 3);
    }
    return out;
  }

  /** A range {@code [from, to)} of {@link GatedTwoSplits}. */
  record Range(String id, long from, long to) implements SourceSplit {}

  /**
   * Two splits, "a" = {@code [0, 1000)} and "b" = {@code [1000, 2000)}, 20 longs per read and a 1 ms
   * pause after each (checkpoints every few ms fall inside split "a"); split "b" stops at its middle
   * until the gate named at construction opens ({@link #gate}).
   */
  static final class GatedTwoSplits implements Source<Long> {
    private static final java.util.Map<String, java.util.concurrent.atomic.AtomicBoolean> GATES =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final String gate;

    GatedTwoSplits(String gate) {
      this.gate = gate;
    }

    /** The gate of that name (created closed). */
    static java.util.concurrent.atomic.AtomicBoolean gate(String name) {
      return GATES.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicBoolean());
    }

    @Override
    public List<? extends SourceSplit> splits(int parallelism) {
      return List.of(new Range("a", 0, 1_000), new Range("b", 1_000, 2_000));
    }

    @Override
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      Range r = (Range) split;
      java.util.concurrent.atomic.AtomicBoolean open = gate(gate);
      return new SplitReader<>() {
        long next = r.from();

        @Override
        public boolean read(Collector<? super Long> out) {
          long end = Math.min(r.to(), next + 20);
          if (r.id().equals("b") && !open.get()) {
            end = untilMiddle(r.from(), r.to(), next, end);
            if (end < 0) {
              return true;
            }
          }
          for (; next < end; next++) {
            out.collect(next);
          }
          LockSupport.parkNanos(1_000_000);
          return next < r.to();
        }

        @Override public SourceSplit remainingSplit() { return new Range(r.id(), next, r.to()); }

        @Override public String position() { return "element " + next + " of " + r.id(); }

        @Override public void close() {}
      };
    }

    @Override public String name() { return "two-splits"; }
  }

  /** A range {@code [from, to)} of longs. */
  record SeqSplit(String id, long from, long to) implements SourceSplit {}

  /**
   * The longs {@code 0..n-1} in {@code splits} ranges, {@code chunk} per read, pausing
   * {@code pauseNanos} after each read so that checkpoints fall in the middle of the input.
   */
  static final class SeqSource implements Source<Long> {
    /** Gates by name: a reader with a gate stops at the middle of its split until the gate opens. */
    static final java.util.Map<String, java.util.concurrent.atomic.AtomicBoolean> GATES =
        new java.util.concurrent.ConcurrentHashMap<>();
    String gate;
    /** If set: every reader records {@code "snapshot <id>"} and {@code "complete <id>"} calls here, per split id. */
    String journal;
    /** Whether readers report offsets for micro-batch mode (off: a source that cannot run in it). */
    boolean microBatch;
    static final java.util.Map<String, java.util.Map<String, List<String>>> JOURNALS =
        new java.util.concurrent.ConcurrentHashMap<>();
    final long n;
    final int chunk;
    final long pauseNanos;
    final boolean blocking;
    final boolean positions;

    SeqSource(long n, int chunk, long pauseNanos, boolean blocking, boolean positions) {
      this.n = n;
      this.chunk = chunk;
      this.pauseNanos = pauseNanos;
      this.blocking = blocking;
      this.positions = positions;
    }

    @Override
    public List<? extends SourceSplit> splits(int parallelism) {
      List<SeqSplit> l = new ArrayList<>();
      for (int i = 0; i < parallelism; i++) {
        l.add(new SeqSplit("seq-" + i, n * i / parallelism, n * (i + 1) / parallelism));
      }
      return l;
    }

    @Override
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      SeqSplit s = (SeqSplit) split;
      List<String> events = journal == null ? null : JOURNALS.computeIfAbsent(journal,
          k -> new java.util.concurrent.ConcurrentHashMap<>()).computeIfAbsent(s.id(),
          k -> java.util.Collections.synchronizedList(new ArrayList<>()));
      return new SplitReader<>() {
        long next = s.from();
        long until = Long.MAX_VALUE;

        @Override
        public boolean read(Collector<? super Long> out) {
          long end = Math.min(Math.min(s.to(), until), next + chunk);
          if (next >= until && next < s.to()) {
            return true; // micro-batch: this batch's end reached
          }
          if (gate != null && !GATES.get(gate).get()) {
            end = untilMiddle(s.from(), s.to(), next, end);
            if (end < 0) {
              return true;
            }
          }
          for (; next < end; next++) {
            out.collect(next);
          }
          if (pauseNanos > 0) {
            LockSupport.parkNanos(pauseNanos);
          }
          return next < s.to();
        }

        @Override
        public SourceSplit remainingSplit() {
          if (!positions) {
            throw new UnsupportedOperationException("no positions");
          }
          return new SeqSplit(s.id(), next, s.to());
        }

        @Override
        public SourceSplit remainingSplit(long checkpointId) {
          if (events != null) {
            events.add("snapshot " + checkpointId);
          }
          return remainingSplit();
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
          if (events != null) {
            events.add("complete " + checkpointId);
          }
        }

        @Override
        public long offset() {
          if (!microBatch) {
            throw new UnsupportedOperationException("no offsets");
          }
          return next;
        }

        @Override public long availableEnd() { return s.to(); }

        @Override public void readUntil(long end) { until = end; }

        @Override public String position() { return "element " + next + " of " + s.id(); }

        @Override public void close() {}
      };
    }

    @Override public boolean blocking() { return blocking; }

    @Override public String name() { return "seq(" + n + ")"; }
  }
}
