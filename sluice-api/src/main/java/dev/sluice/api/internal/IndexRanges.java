package dev.sluice.api.internal;

import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;

/**
 * What the in-memory list sources ({@link CollectionSource}, the core's timestamped collection source)
 * share: splitting a list into contiguous index ranges {@code [from, to)}, one per task, and reading a
 * range in chunks, checkpointed as an index and limited in micro-batch mode. Each source keeps its own
 * split type. Not part of the public API.
 */
public final class IndexRanges {
  /** Elements emitted per {@link SplitReader#read} call at most. */
  public static final int CHUNK = 1024;

  private IndexRanges() {}

  /** Makes the split of part {@code index}, elements {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeFactory<S extends SourceSplit> {
    S range(int index, int from, int to);
  }

  /** {@code n} elements in {@code min(parallelism, n)} (at least one) contiguous ranges of near-equal size. */
  public static <S extends SourceSplit> List<S> split(int n, int parallelism, RangeFactory<S> factory) {
    List<S> splits = new ArrayList<>();
    int parts = Math.max(1, Math.min(parallelism, n));
    for (int i = 0; i < parts; i++) {
      splits.add(factory.range(i, (int) ((long) n * i / parts), (int) ((long) n * (i + 1) / parts)));
    }
    return splits;
  }

  /**
   * A reader of range {@code [from, to)}: its {@link #read} emits the elements from {@link #next}
   * (advancing it per element) up to {@link #chunkEnd()} and returns {@link #more()}.
   */
  public abstract static class Reader<T, S extends SourceSplit> implements SplitReader<T> {
    private final int index;
    private final int to;
    private final String what;
    private final RangeFactory<S> factory;
    /** The index of the next element to emit. */
    protected int next;
    /** Micro-batch limit: no element at or after it is read. */
    private long limit = Long.MAX_VALUE;

    /** {@code what} names the list in {@link #position()}, e.g. "collection". */
    protected Reader(int index, int from, int to, String what, RangeFactory<S> factory) {
      this.index = index;
      this.next = from;
      this.to = to;
      this.what = what;
      this.factory = factory;
    }

    /** The end (exclusive) of the elements the current read call emits. */
    protected final int chunkEnd() {
      return (int) Math.min(Math.min(to, limit), next + CHUNK);
    }

    /** Whether elements are left in the range (also those beyond a micro-batch limit). */
    protected final boolean more() {
      return next < to;
    }

    @Override public String position() { return "element " + (next - 1) + " of the " + what; }

    /** The elements from the next one on: {@code [next, to)}; empty ({@code next == to}) at the end. */
    @Override public SourceSplit remainingSplit() { return factory.range(index, next, to); }

    @Override public long offset() { return next; }

    @Override public long availableEnd() { return to; }

    @Override public void readUntil(long end) { limit = end; }

    @Override public void close() {}
  }
}
