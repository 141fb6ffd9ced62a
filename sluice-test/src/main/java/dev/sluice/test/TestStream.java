package dev.sluice.test;

import dev.sluice.api.Timestamped;
import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A scripted, bounded source for tests of event-time pipelines, like Beam's {@code TestStream}:
 * elements with timestamps interleaved with watermark advances, replayed in exactly that order.
 *
 * <pre>{@code
 * TestStream<String> clicks = TestStream.<String>create()
 *     .add("ann", 1_000).add("bob", 2_000)
 *     .advanceWatermarkTo(5_000)
 *     .add("ann", 3_000)          // behind the watermark: late
 *     .advanceWatermarkToInfinity();
 * pipeline.read(clicks)...
 * }</pre>
 *
 * <p>Immutable: every step returns a new stream. It has one split, so the script's order is the order
 * the pipeline sees (at any parallelism; downstream stages are parallel as usual). A watermark step
 * ends a chunk of the reader, so the runtime forwards it before the following elements. Watermarks
 * must not go backwards; elements may be behind the watermark (to test lateness). Read in batch
 * mode, only the values are emitted.
 *
 * <p>Processing-time steps are deliberately absent: in the pipelined runtime elements emitted before
 * a clock step may still be in flight when the clock moves, so such a script would not be
 * deterministic. Test processing-time behaviour with the operator harnesses
 * ({@link KeyedProcessFunctionHarness#advanceProcessingTime}), whose clock moves between calls.
 */
public final class TestStream<T> implements Source<T> {
  /** One step of the script: an element (with its timestamp) or a watermark advance. */
  public sealed interface Event<T> extends java.io.Serializable permits Element, Watermark {}

  public record Element<T>(T value, long timestamp) implements Event<T> {}

  public record Watermark<T>(long watermark) implements Event<T> {}

  private final List<Event<T>> events;
  private final long watermark;

  private TestStream(List<Event<T>> events, long watermark) {
    this.events = events;
    this.watermark = watermark;
  }

  /** An empty script. */
  public static <T> TestStream<T> create() {
    return new TestStream<>(List.of(), Long.MIN_VALUE);
  }

  /** Appends an element with event time {@code timestamp} ms. */
  public TestStream<T> add(T value, long timestamp) {
    return append(new Element<>(value, timestamp), watermark);
  }

  /** Appends elements in order. */
  public TestStream<T> addAll(List<Timestamped<T>> elements) {
    List<Event<T>> next = new ArrayList<>(events);
    for (Timestamped<T> e : elements) {
      next.add(new Element<>(e.value(), e.timestamp()));
    }
    return new TestStream<>(Collections.unmodifiableList(next), watermark);
  }

  /** Appends a watermark: no more elements with timestamp {@code <= w} are expected (later ones are late). */
  public TestStream<T> advanceWatermarkTo(long w) {
    if (w < watermark) {
      throw new IllegalArgumentException("watermark must not go backwards: " + w + " after " + watermark);
    }
    return append(new Watermark<>(w), w);
  }

  /** Appends the final watermark, {@link Long#MAX_VALUE}: every event-time window and timer fires. */
  public TestStream<T> advanceWatermarkToInfinity() {
    return advanceWatermarkTo(Long.MAX_VALUE);
  }

  /** The script. */
  public List<Event<T>> events() {
    return events;
  }

  private TestStream<T> append(Event<T> e, long newWatermark) {
    List<Event<T>> next = new ArrayList<>(events.size() + 1);
    next.addAll(events);
    next.add(Objects.requireNonNull(e));
    return new TestStream<>(Collections.unmodifiableList(next), newWatermark);
  }

  /**
   * The script from step {@code next} on ({@code 0} when planned). At a checkpoint the reader's
   * {@code remainingSplit()} is the step after the last one replayed; a reader restored from it
   * first declares the script's last watermark before that step again (watermarks are not state
   * downstream, so elements behind it stay late after a restore), then replays the rest.
   */
  record Whole(int size, int next) implements SourceSplit {
    Whole(int size) {
      this(size, 0);
    }

    @Override public String id() { return "testStream(" + size + " events" + (next == 0 ? ")" : ", from " + next + ")"); }
  }

  @Override
  public List<Whole> splits(int parallelism) {
    return List.of(new Whole(events.size()));
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    Whole whole = (Whole) split;
    return new SplitReader<>() {
      private int next = whole.next();
      private boolean restoreWatermark = whole.next() > 0;

      @Override
      @SuppressWarnings("unchecked")
      public boolean read(Collector<? super T> out) {
        SourceOutput<? super T> timed = out instanceof SourceOutput<?> so ? (SourceOutput<? super T>) so : null;
        if (restoreWatermark) {
          restoreWatermark = false;
          for (int i = Math.min(next, events.size()) - 1; i >= 0; i--) {
            if (events.get(i) instanceof Watermark<T> w) {
              if (timed != null) {
                timed.emitWatermark(w.watermark());
              }
              break;
            }
          }
        }
        while (next < events.size()) {
          Event<T> e = events.get(next++);
          if (e instanceof Element<T> el) {
            if (timed != null) {
              timed.collect(el.value(), el.timestamp());
            } else {
              out.collect(el.value());
            }
          } else if (e instanceof Watermark<T> w) {
            if (timed != null) {
              timed.emitWatermark(w.watermark());
            }
            return next < events.size();
          }
        }
        return false;
      }

      @Override
      public String position() {
        return "event " + (next - 1) + " of the test stream";
      }

      @Override
      public SourceSplit remainingSplit() {
        return new Whole(events.size(), next);
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public String name() {
    return "testStream(" + events.size() + " events)";
  }
}
