package dev.sluice.examples.nexmark;

import static dev.sluice.examples.nexmark.GeneratorConfig.PROPORTION_DENOMINATOR;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;

/**
 * The NEXMark generator as a Sluice source. Non-blocking (it runs fused with its downstream chain on
 * worker threads), bounded when {@link GeneratorConfig#maxEvents} is set.
 *
 * <p>Event ids are dealt to splits in blocks of 50 (one person, three auctions, 46 bids): split
 * {@code i} of {@code n} makes blocks {@code i, i + n, i + 2n, ...}. So every split emits the same
 * mix of events with timestamps that never decrease, all splits move through event time together,
 * and the set of events does not depend on the parallelism. In streaming mode each event carries its
 * timestamp, and after each chunk the split declares the watermark {@code lastTimestamp - 1}.
 *
 * <p>With a rate ({@code eventsPerSecond > 0}) every split emits its share of the rate, paced against
 * the wall clock from its first read; 0 means as fast as possible.
 *
 * <p>Checkpoints: a reader's {@code remainingSplit()} is its split with the next event id to make
 * and the last watermark it declared. A reader restored from it declares that watermark again, then
 * makes the same events an uninterrupted reader would have made. Rate pacing restarts with the
 * restored reader (its share of the rate from its first read, no catching up for the time the job
 * was down); real-time mode paces by the events' timestamps, so it simply goes on.
 */
public final class NexmarkSource implements Source<Event> {
  /** Events per {@code read} call when not rate-limited. */
  static final int CHUNK = 1024;

  private final GeneratorConfig config;
  private final long eventsPerSecond;
  private final EventCounter counter;
  private final boolean realTime;

  public NexmarkSource(GeneratorConfig config, long eventsPerSecond) {
    this(config, eventsPerSecond, null);
  }

  private NexmarkSource(GeneratorConfig config, EventCounter counter) {
    this.config = config;
    this.eventsPerSecond = 0;
    this.counter = counter;
    this.realTime = true;
  }

  /**
   * A source that emits each event when the wall clock reaches its timestamp (so the config's
   * {@code baseTime} should be about now, and its {@code eventTimeRate} is the rate): the time from
   * an event's timestamp to its result is then the end-to-end latency (at millisecond resolution).
   */
  public static NexmarkSource realTime(GeneratorConfig config, EventCounter counter) {
    return new NexmarkSource(config, counter);
  }

  /** As {@link #NexmarkSource(GeneratorConfig, long)}, adding the number of emitted events to {@code counter}. */
  public NexmarkSource(GeneratorConfig config, long eventsPerSecond, EventCounter counter) {
    if (eventsPerSecond < 0) {
      throw new IllegalArgumentException("rate must be zero (unlimited) or positive, was " + eventsPerSecond);
    }
    this.config = config;
    this.eventsPerSecond = eventsPerSecond;
    this.counter = counter;
    this.realTime = false;
  }

  public GeneratorConfig config() {
    return config;
  }

  /**
   * One split of the generator: blocks {@code index, index + count, ...} of 50 event ids, from event
   * id {@code nextId} on (the first id of block {@code index} when planned); {@code watermark} is the
   * last watermark its reader declared ({@code Long.MIN_VALUE}: none).
   */
  public record GeneratorSplit(int index, int count, long nextId, long watermark) implements SourceSplit {
    public GeneratorSplit(int index, int count) {
      this(index, count, (long) PROPORTION_DENOMINATOR * index, Long.MIN_VALUE);
    }

    @Override
    public String id() {
      return "nexmark-" + index + "-of-" + count
          + (nextId == (long) PROPORTION_DENOMINATOR * index ? "" : "-from-" + nextId);
    }
  }

  @Override
  public List<GeneratorSplit> splits(int parallelism) {
    int n = Math.max(1, parallelism);
    List<GeneratorSplit> splits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      splits.add(new GeneratorSplit(i, n));
    }
    return splits;
  }

  @Override
  public SplitReader<Event> reader(SourceSplit split, SourceContext context) {
    GeneratorSplit s = (GeneratorSplit) split;
    return new Reader(config, s, eventsPerSecond / (double) s.count(), counter, realTime);
  }

  @Override
  public boolean bounded() {
    return !config.unbounded();
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public String name() {
    return "nexmark(" + (config.unbounded() ? "unbounded" : config.maxEvents() + " events")
        + (eventsPerSecond > 0 ? ", " + eventsPerSecond + "/s" : "") + ")";
  }

  /** The event ids of one split, in order: iterate with {@link #next}. */
  static final class Ids {
    private final long stride;
    private final long limit;
    private long next;

    Ids(GeneratorSplit split, long maxEvents) {
      this.stride = (long) PROPORTION_DENOMINATOR * split.count();
      this.limit = maxEvents == 0 ? Long.MAX_VALUE : maxEvents;
      this.next = split.nextId();
    }

    boolean hasNext() {
      return next < limit;
    }

    long peek() {
      return next;
    }

    /** The next id; then moves on (to the next block of this split after the 50th id of a block). */
    long next() {
      long id = next++;
      if (next % PROPORTION_DENOMINATOR == 0) {
        next += stride - PROPORTION_DENOMINATOR;
      }
      return id;
    }
  }

  static final class Reader implements SplitReader<Event> {
    private final NexmarkGenerator generator;
    private final GeneratorSplit split;
    private final Ids ids;
    private final double perSecond;
    private final int chunk;
    private long emitted;
    private long startNanos = -1;
    private long lastId = -1;
    private long lastWatermark = Long.MIN_VALUE;
    /** A restored reader's watermark, declared again by its first read. */
    private long restoredWatermark;
    private final EventCounter counter;
    /** Micro-batch limit: no event id at or after it is made. */
    private long limit = Long.MAX_VALUE;

    private final boolean realTime;
    private final GeneratorConfig config;

    Reader(GeneratorConfig config, GeneratorSplit split, double perSecond, EventCounter counter, boolean realTime) {
      this.counter = counter;
      this.realTime = realTime;
      this.config = config;
      this.generator = new NexmarkGenerator(config);
      this.split = split;
      this.ids = new Ids(split, config.maxEvents());
      this.restoredWatermark = split.watermark();
      this.perSecond = perSecond;
      // rate-limited: each call emits what is due by the clock (up to a chunk), so a reader that is
      // called late catches up instead of falling behind the rate
      this.chunk = CHUNK;
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean read(Collector<? super Event> out) {
      if (!ids.hasNext()) {
        return false;
      }
      if (restoredWatermark != Long.MIN_VALUE) {
        if (out instanceof SourceOutput<?> so) {
          lastWatermark = restoredWatermark;
          so.emitWatermark(restoredWatermark);
        }
        restoredWatermark = Long.MIN_VALUE;
      }
      int n = chunk;
      if (perSecond > 0) {
        long now = System.nanoTime();
        if (startNanos < 0) {
          startNanos = now;
        }
        long due = (long) ((now - startNanos) * perSecond / 1e9) + 1 - emitted;
        if (due <= 0) {
          return true;
        }
        n = (int) Math.min(n, due);
      } else if (realTime) {
        // as many as are due by the wall clock (ids of a split are dealt in blocks of 50, so count ahead)
        long now = System.currentTimeMillis();
        long due = (now - config.baseTime() + 1) * config.eventTimeRate() / 1000 - ids.peek();
        if (due <= 0) {
          return true;
        }
        n = (int) Math.min(n, Math.max(1, due / split.count()));
      }
      long before = emitted;
      long ts = Long.MIN_VALUE;
      if (out instanceof SourceOutput<?> so) {
        SourceOutput<Event> timed = (SourceOutput<Event>) so;
        for (int i = 0; i < n && ids.hasNext() && ids.peek() < limit; i++) {
          long id = ids.next();
          Event e = generator.event(id);
          ts = e.timestamp();
          timed.collect(e, ts);
          lastId = id;
          emitted++;
        }
        if (ts != Long.MIN_VALUE && ts - 1 > lastWatermark) {
          lastWatermark = ts - 1;
          timed.emitWatermark(lastWatermark);
        }
      } else {
        for (int i = 0; i < n && ids.hasNext() && ids.peek() < limit; i++) {
          long id = ids.next();
          out.collect(generator.event(id));
          lastId = id;
          emitted++;
        }
      }
      if (counter != null) {
        counter.add(emitted - before);
      }
      return ids.hasNext();
    }

    @Override
    public String position() {
      return "nexmark split " + split.index() + " of " + split.count() + ", event id " + lastId;
    }

    /** Micro-batch mode: the next event id to make. */
    @Override
    public long offset() {
      return ids.hasNext() ? ids.peek() : Long.MAX_VALUE;
    }

    /**
     * Micro-batch mode: with a rate, about the ids due now (this split's ids are spaced by the split
     * count); else the next 64 chunks.
     */
    @Override
    public long availableEnd() {
      if (!ids.hasNext()) {
        return offset();
      }
      long n = 64L * CHUNK;
      if (perSecond > 0) {
        long now = System.nanoTime();
        if (startNanos < 0) {
          startNanos = now;
        }
        n = Math.max(0, (long) ((now - startNanos) * perSecond / 1e9) + 1 - emitted);
      }
      long end = ids.peek() + n * split.count();
      return end < 0 ? Long.MAX_VALUE : end;
    }

    @Override
    public void readUntil(long end) {
      limit = end;
    }

    @Override
    public GeneratorSplit remainingSplit() {
      long w = restoredWatermark != Long.MIN_VALUE ? restoredWatermark : lastWatermark;
      return new GeneratorSplit(split.index(), split.count(), ids.peek(), w);
    }

    @Override
    public void close() {}
  }
}
