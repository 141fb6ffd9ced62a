package dev.sluice.io;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A deterministic source that makes record {@code fn(i)} for the sequence numbers
 * {@code i = 0, 1, 2, ...}; create one with {@link Sources#generator}. Immutable and thread-safe: the
 * {@code with*} methods return copies.
 *
 * <p><b>Splits.</b> At parallelism {@code p} the source has {@code p} splits (fewer when the count
 * is smaller); split {@code s} generates the indices {@code s, s + p, s + 2p, ...}. The records of
 * a job are therefore the same multiset at every parallelism; their order is the index order within a
 * split and unspecified across splits.
 *
 * <p><b>Bounded or not.</b> Unbounded by default; {@link #count} makes it bounded (indices
 * {@code 0 .. n-1}), so it can also feed batch jobs.
 *
 * <p><b>Rate.</b> {@link #ratePerSecond} limits the rate over all splits together: record {@code i}
 * is due {@code (i + 1) / r} seconds after its reader started, so {@code t} seconds after the readers
 * started at most {@code floor(r * t)} records have been emitted in total. The reader never sleeps:
 * ahead of schedule it returns from {@link SplitReader#read} having emitted nothing (the runtime
 * backs off and calls again). Time comes from {@link #withClock} (e.g. a test's virtual clock) or,
 * by default, {@link System#nanoTime()}.
 *
 * <p><b>Event time.</b> With {@link #withTimestamps} each record carries {@code ts(i)} as its event
 * time ({@link SourceOutput#collect(Object, long)}). That function must be non-decreasing in the
 * index; the source then knows its event-time progress exactly and emits a watermark after every
 * chunk: {@code ts(next index of the split) - 1}. A decreasing timestamp fails the job with a message
 * naming both indices. For timestamps that go back and forth use {@link #withUnorderedTimestamps}
 * (no watermarks from the source) followed by {@code Dataset.withWatermarks(strategy)}.
 *
 * <p>Readers do not block ({@link #blocking()} is false): the streaming runtime runs them on worker
 * threads, fused with their downstream chain.
 *
 * <p><b>Checkpoints.</b> A reader's {@link SplitReader#remainingSplit} is its split with the next
 * index to generate and the last watermark it emitted. A reader restored from it emits that watermark
 * again before its first record (with ordered timestamps), then goes on from the next index, so the
 * records, their timestamps and the watermarks between them are those of an uninterrupted run. The
 * rate limit restarts with the restored reader: its schedule is shifted to the restored index, so it
 * emits at the configured rate from its start, as a fresh reader does, and does not burst to make up
 * for the time the job was down.
 *
 * <p><b>Micro-batch mode.</b> A reader's {@link SplitReader#offset} is its next index; a batch
 * generates the indices of the split below the planned end (see {@link SplitReader#availableEnd}).
 */
public final class GeneratorSource<T> implements Source<T> {
  /** Records per {@code read} call at most. */
  static final int CHUNK = 1024;
  /** Records per split in one micro-batch of an unbounded generator without a rate. */
  static final long UNLIMITED_BATCH = 64L * CHUNK;

  private final GeneratorFunction<T> fn;
  private final long count;
  private final long ratePerSecond;
  private final TimestampFunction timestamps;
  private final boolean ordered;
  private final InstantSource clock;

  GeneratorSource(GeneratorFunction<T> fn) {
    this(Objects.requireNonNull(fn, "fn"), -1, 0, null, false, null);
  }

  private GeneratorSource(GeneratorFunction<T> fn, long count, long ratePerSecond,
      TimestampFunction timestamps, boolean ordered, InstantSource clock) {
    this.fn = fn;
    this.count = count;
    this.ratePerSecond = ratePerSecond;
    this.timestamps = timestamps;
    this.ordered = ordered;
    this.clock = clock;
  }

  /** Bounded: generates the indices {@code 0 .. n-1}. */
  public GeneratorSource<T> count(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("count must be zero or positive, was " + n);
    }
    return new GeneratorSource<>(fn, n, ratePerSecond, timestamps, ordered, clock);
  }

  /** Unbounded (the default): generates until the job is cancelled. */
  public GeneratorSource<T> unbounded() {
    return new GeneratorSource<>(fn, -1, ratePerSecond, timestamps, ordered, clock);
  }

  /** At most {@code r} records per second over all splits; 0 (the default) means as fast as possible. */
  public GeneratorSource<T> ratePerSecond(long r) {
    if (r < 0) {
      throw new IllegalArgumentException("rate must be zero (unlimited) or positive, was " + r + " per second");
    }
    return new GeneratorSource<>(fn, count, r, timestamps, ordered, clock);
  }

  /**
   * Event time {@code ts(i)} for record {@code i}; {@code ts} must be non-decreasing in {@code i}.
   * The source emits watermarks (see the class comment).
   */
  public GeneratorSource<T> withTimestamps(TimestampFunction ts) {
    return new GeneratorSource<>(fn, count, ratePerSecond, Objects.requireNonNull(ts, "ts"), true, clock);
  }

  /** Event time {@code ts(i)} for record {@code i}, in any order; the source emits no watermarks. */
  public GeneratorSource<T> withUnorderedTimestamps(TimestampFunction ts) {
    return new GeneratorSource<>(fn, count, ratePerSecond, Objects.requireNonNull(ts, "ts"), false, clock);
  }

  /**
   * The clock the rate limit compares with, e.g. the virtual clock a test also passes to
   * {@code RunOptions.withClock}. Default: {@link System#nanoTime()}.
   */
  public GeneratorSource<T> withClock(InstantSource c) {
    return new GeneratorSource<>(fn, count, ratePerSecond, timestamps, ordered, Objects.requireNonNull(c, "clock"));
  }

  /** The number of records, or -1 if unbounded. */
  public long count() {
    return count;
  }

  public long ratePerSecond() {
    return ratePerSecond;
  }

  /**
   * Split {@code index} of {@code stride} splits: indices {@code next, next + stride, ...}, where
   * {@code next} is {@code index} for a planned split and the next index to generate for the rest of
   * a split at a checkpoint; {@code watermark} is the last watermark its reader had emitted
   * ({@code Long.MIN_VALUE}: none).
   */
  record GeneratorSplit(int index, int stride, long next, long watermark) implements SourceSplit {
    GeneratorSplit(int index, int stride) {
      this(index, stride, index, Long.MIN_VALUE);
    }

    @Override
    public String id() {
      return "generator[" + index + "/" + stride + (next == index ? "]" : ", from " + next + "]");
    }
  }

  @Override
  public List<GeneratorSplit> splits(int parallelism) {
    long n = Math.max(1, parallelism);
    if (count >= 0) {
      n = Math.max(1, Math.min(n, count));
    }
    List<GeneratorSplit> splits = new ArrayList<>((int) n);
    for (int i = 0; i < n; i++) {
      splits.add(new GeneratorSplit(i, (int) n));
    }
    return splits;
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    return new Reader((GeneratorSplit) split);
  }

  @Override
  public boolean bounded() {
    return count >= 0;
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public String name() {
    return "generator(" + (count >= 0 ? count + " records" : "unbounded")
        + (ratePerSecond > 0 ? ", " + ratePerSecond + "/s" : "") + ")";
  }

  @Override
  public String toString() {
    return name();
  }

  private final class Reader implements SplitReader<T> {
    private final int split;
    private final int stride;
    private final long end;
    private final long startMicros;
    /** Indices generated before this reader started ({@code next - split}): the rate schedule's origin. */
    private final long base;
    private long next;
    /** A restored reader's watermark, emitted again before its first record. */
    private long restoredWatermark;
    private long lastIndex = -1;
    private long lastTimestamp = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private boolean done;
    /** Micro-batch limit: no index at or after it is generated. */
    private long batchLimit = Long.MAX_VALUE;

    Reader(GeneratorSplit s) {
      this.split = s.index();
      this.stride = s.stride();
      this.end = count >= 0 ? count : Long.MAX_VALUE;
      this.next = s.next();
      this.base = s.next() - s.index();
      this.restoredWatermark = s.watermark();
      this.startMicros = ratePerSecond > 0 ? nowMicros() : 0;
      this.done = next >= end;
    }

    private long nowMicros() {
      if (clock == null) {
        return System.nanoTime() / 1000;
      }
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** Indices below this are due: {@code floor(rate * elapsed seconds)}, in exact integer arithmetic. */
    private long due() {
      long elapsed = nowMicros() - startMicros;
      if (elapsed <= 0) {
        return 0;
      }
      long hi = Math.multiplyHigh(elapsed, ratePerSecond);
      if (hi != 0) {
        return Long.MAX_VALUE;
      }
      long product = elapsed * ratePerSecond;
      return product < 0 ? Long.MAX_VALUE : product / 1_000_000;
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean read(Collector<? super T> out) {
      if (done) {
        return false;
      }
      long limit = Math.min(end, batchLimit);
      if (ratePerSecond > 0) {
        long due = due();
        limit = Math.min(limit, due > Long.MAX_VALUE - base ? Long.MAX_VALUE : base + due);
      }
      SourceOutput<? super T> timed = timestamps != null && out instanceof SourceOutput<?> so
          ? (SourceOutput<? super T>) so : null;
      if (restoredWatermark != Long.MIN_VALUE) {
        if (timed != null && ordered) {
          watermark = restoredWatermark;
          timed.emitWatermark(restoredWatermark);
        }
        restoredWatermark = Long.MIN_VALUE;
      }
      long i = next;
      final int s = stride;
      final GeneratorFunction<T> f = fn;
      for (int n = 0; n < CHUNK && i < limit; n++) {
        T value = generate(f, i);
        lastIndex = i;
        if (timed != null) {
          long t = timestamp(i);
          if (ordered && t < lastTimestamp) {
            throw new IllegalStateException("generator timestamps must not decrease with the index: index " + i
                + " has timestamp " + t + " after " + lastTimestamp + " (index " + (i - s)
                + "); use withUnorderedTimestamps(ts) and Dataset.withWatermarks(strategy)");
          }
          lastTimestamp = t;
          timed.collect(value, t);
        } else {
          out.collect(value);
        }
        i += s;
        if (i < 0) { // overflow of an unbounded generator: the end of the long range
          i = Long.MAX_VALUE;
          break;
        }
      }
      next = i;
      if (next >= end) {
        done = true;
        return false;
      }
      if (timed != null && ordered) {
        long w = timestamp(next) - 1;
        if (w > watermark) {
          watermark = w;
          timed.emitWatermark(w);
        }
      }
      return true;
    }

    private T generate(GeneratorFunction<T> f, long i) {
      try {
        return f.apply(i);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("generator function failed for index " + i + ": " + e, e);
      }
    }

    private long timestamp(long i) {
      try {
        return timestamps.timestamp(i);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("generator timestamp function failed for index " + i + ": " + e, e);
      }
    }

    @Override
    public String position() {
      return lastIndex < 0
          ? "generator split " + split + " of " + stride + " (before the first record)"
          : "generator split " + split + " of " + stride + ", index " + lastIndex;
    }

    @Override
    public SourceSplit remainingSplit() {
      long w = restoredWatermark != Long.MIN_VALUE ? restoredWatermark : watermark;
      return new GeneratorSplit(split, stride, next, w);
    }

    @Override
    public long offset() {
      return next;
    }

    /**
     * The end of a bounded generator; with a rate, the indices due now; an unlimited unbounded
     * generator could always make more, so a batch gets {@link #UNLIMITED_BATCH} records of it.
     */
    @Override
    public long availableEnd() {
      long e = end;
      if (ratePerSecond > 0) {
        long due = due();
        e = Math.min(e, due > Long.MAX_VALUE - base ? Long.MAX_VALUE : base + due);
      } else if (count < 0) {
        e = next + UNLIMITED_BATCH * stride;
        if (e < 0) {
          e = Long.MAX_VALUE;
        }
      }
      return Math.max(e, next);
    }

    @Override
    public void readUntil(long limit) {
      batchLimit = limit;
    }

    @Override
    public void close() {}
  }
}
