package dev.sluice.core.runtime;

import dev.sluice.api.Timestamped;
import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded, non-blocking test source with a fixed number of splits (independent of the run's
 * parallelism), each replaying its own script of {@link Timestamped} elements and {@link Watermark}
 * steps in order: like {@code dev.sluice.test.TestStream}, but with several splits, so that event time
 * is really merged across inputs. A watermark step, and every {@code chunk} elements, ends a reader
 * chunk, so splits interleave and a watermark is forwarded before the elements after it.
 *
 * <p>{@code withTimestamps == false} emits the bare values (for a downstream {@code withTimestamps}).
 */
final class ScriptedSplitSource<T> implements Source<T> {
  /** A watermark step: the split promises no more elements with timestamp {@code <= watermark}. */
  record Watermark(long watermark) implements Serializable {}

  record Part(int index, int size) implements SourceSplit {
    @Override public String id() { return "script-" + index + "(" + size + " events)"; }
  }

  private final List<List<Object>> scripts;
  private final boolean withTimestamps;
  private final int chunk;

  ScriptedSplitSource(List<List<Object>> scripts, boolean withTimestamps, int chunk) {
    this.scripts = new ArrayList<>();
    for (List<Object> s : scripts) {
      this.scripts.add(new ArrayList<>(s));
    }
    this.withTimestamps = withTimestamps;
    this.chunk = chunk;
  }

  /** Elements only, spread over {@code splits} scripts by {@code splitOf} (arrival order kept per split). */
  static <T> List<List<Object>> spread(List<Timestamped<T>> arrival, int splits, java.util.Random rnd) {
    List<List<Object>> out = new ArrayList<>();
    for (int i = 0; i < splits; i++) {
      out.add(new ArrayList<>());
    }
    for (Timestamped<T> e : arrival) {
      out.get(rnd.nextInt(splits)).add(e);
    }
    return out;
  }

  @Override
  public List<Part> splits(int parallelism) {
    List<Part> parts = new ArrayList<>();
    for (int i = 0; i < scripts.size(); i++) {
      parts.add(new Part(i, scripts.get(i).size()));
    }
    return parts;
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    List<Object> script = scripts.get(((Part) split).index());
    return new SplitReader<>() {
      private int next;

      @Override
      @SuppressWarnings("unchecked")
      public boolean read(Collector<? super T> out) {
        SourceOutput<? super T> timed = out instanceof SourceOutput<?> so ? (SourceOutput<? super T>) so : null;
        for (int n = 0; n < chunk && next < script.size(); n++) {
          Object step = script.get(next++);
          if (step instanceof Watermark w) {
            if (timed != null) {
              timed.emitWatermark(w.watermark());
            }
            break;
          }
          Timestamped<T> e = (Timestamped<T>) step;
          if (withTimestamps && timed != null) {
            timed.collect(e.value(), e.timestamp());
          } else {
            out.collect(e.value());
          }
        }
        return next < script.size();
      }

      @Override public String position() { return "step " + (next - 1) + " of " + split.id(); }

      @Override public void close() {}
    };
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public String name() {
    return "scripted(" + scripts.size() + " splits)";
  }
}
