package dev.sluice.core.io;

import dev.sluice.api.Timestamped;
import dev.sluice.api.function.Collector;
import dev.sluice.api.internal.IndexRanges;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An in-memory list of values with event timestamps, split into contiguous chunks like
 * {@code CollectionSource} (both with {@link IndexRanges}). Emits each value with its timestamp
 * through {@link SourceOutput}; emits no watermarks (the timestamps may be in any order): follow it with {@code withWatermarks}.
 */
public final class TimestampedCollectionSource<T> implements Source<T> {
  private final List<Timestamped<T>> values;

  public TimestampedCollectionSource(List<Timestamped<T>> values) {
    this.values = new ArrayList<>(Objects.requireNonNull(values, "values"));
    for (int i = 0; i < this.values.size(); i++) {
      if (this.values.get(i) == null) {
        throw new IllegalArgumentException("element " + i + " of the timestamped collection is null");
      }
    }
  }

  /**
   * Elements {@code [from, to)}. Also what is left of a split at a checkpoint: the reader's
   * {@code remainingSplit()} is {@code [next, to)}, so a checkpointed position is an index into the
   * source's list (the list itself travels with the source, not with the split).
   */
  record Range(int index, int from, int to) implements SourceSplit {
    @Override public String id() { return "timestamped[" + from + ".." + to + ")"; }
  }

  @Override
  public List<Range> splits(int parallelism) {
    return IndexRanges.split(values.size(), parallelism, Range::new);
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    Range r = (Range) split;
    return new IndexRanges.Reader<T, Range>(r.index(), r.from(), r.to(), "timestamped collection", Range::new) {
      @Override
      @SuppressWarnings("unchecked")
      public boolean read(Collector<? super T> out) {
        int end = chunkEnd();
        SourceOutput<? super T> timed = out instanceof SourceOutput<?> so ? (SourceOutput<? super T>) so : null;
        while (next < end) {
          Timestamped<T> e = values.get(next++);
          if (timed != null) {
            timed.collect(e.value(), e.timestamp());
          } else {
            out.collect(e.value());
          }
        }
        return more();
      }
    };
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public String name() {
    return "timestamped(" + values.size() + " elements)";
  }
}
