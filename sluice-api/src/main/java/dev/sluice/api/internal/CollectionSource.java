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
  private static final int CHUNK = 1024;
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
    List<Range> splits = new ArrayList<>();
    int n = values.size();
    int parts = Math.max(1, Math.min(parallelism, n));
    for (int i = 0; i < parts; i++) {
      splits.add(new Range(i, (int) ((long) n * i / parts), (int) ((long) n * (i + 1) / parts)));
    }
    return splits;
  }

  @Override
  public SplitReader<T> reader(SourceSplit split, SourceContext context) {
    Range r = (Range) split;
    return new SplitReader<>() {
      private int next = r.from();
      /** Micro-batch limit: no element at or after it is read. */
      private long limit = Long.MAX_VALUE;

      @Override
      public boolean read(Collector<? super T> out) {
        int end = (int) Math.min(Math.min(r.to(), limit), next + CHUNK);
        while (next < end) {
          out.collect(values.get(next++));
        }
        return next < r.to();
      }

      @Override public String position() { return "element " + (next - 1) + " of the collection"; }

      /** The elements from the next one on: {@code [next, to)}; empty ({@code next == to}) at the end. */
      @Override public SourceSplit remainingSplit() { return new Range(r.index(), next, r.to()); }

      @Override public long offset() { return next; }

      @Override public long availableEnd() { return r.to(); }

      @Override public void readUntil(long end) { limit = end; }

      @Override public void close() {}
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
