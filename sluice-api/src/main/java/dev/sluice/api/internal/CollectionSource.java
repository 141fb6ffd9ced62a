package dev.sluice.api.internal;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;

/** An in-memory list split into contiguous chunks, one per task. Not part of the public API. */
public final class CollectionSource<T> implements Source<T> {
  private final List<T> values;

  public CollectionSource(List<T> values) {
    this.values = new ArrayList<>(values);
  }

  /**
   * Elements {@code [from, to)}. Also what is left of a split at a checkpoint: the reader's
   * {@code remainingSplit()} is {@code [next, to)}, so a checkpointed position is an index into the
   * source's list (the list itself travels with the source, not with the split).
   */
  record Range(int index, int from, int to) implements SourceSplit {
    @Override public String id() { return "elements[" + from + ".." + to + ")"; }
  }

  @Override
  public List<Range> splits(int parallelism) {
    return IndexRanges.split(values.size(), parallelism, Range::new);
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    Range r = (Range) split;
    return new IndexRanges.Reader<T, Range>(r.index(), r.from(), r.to(), "collection", Range::new) {
      @Override
      public boolean read(Collector<? super T> out) {
        int end = chunkEnd();
        while (next < end) {
          out.collect(values.get(next++));
        }
        return more();
      }
    };
  }

  /** In-memory: never blocks, so the streaming runtime reads it on the worker threads. */
  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public String name() {
    return "collection(" + values.size() + " elements)";
  }
}
