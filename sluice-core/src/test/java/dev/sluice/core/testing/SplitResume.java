package dev.sluice.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.codec.Serde;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Shared by the source-position tests of several modules (the NEXMark source, test streams): read a
 * split in one go, or cut it at random points (each cut: {@code remainingSplit()}, serialized with Java
 * or Kryo, restored, read on), recording every record with its timestamp and the watermark before it,
 * so the two readings can be compared element for element.
 */
public final class SplitResume {
  private SplitResume() {}

  /** A record as read: its value, timestamp, and the watermark declared before it. */
  public record Emitted<T>(T value, long timestamp, long watermarkBefore) {}

  /** Records what a reader emits; asserts that watermarks never go back. */
  public static final class Out<T> implements SourceOutput<T> {
    public final List<Emitted<T>> records = new ArrayList<>();
    long watermark = Long.MIN_VALUE;

    @Override public void collect(T v) { collect(v, Long.MIN_VALUE); }

    @Override public void collect(T v, long ts) { records.add(new Emitted<>(v, ts, watermark)); }

    @Override
    public void emitWatermark(long w) {
      assertThat(w).isGreaterThanOrEqualTo(watermark);
      watermark = w;
    }
  }

  /** The split as cut reading left it: the records read and the remaining split after the last cut. */
  public record Cut<T>(Out<T> out, SourceSplit rest, int cuts) {}

  /** Partition 0, attempt 0; a bad record fails the test. */
  public static final SourceContext CONTEXT = new SourceContext() {
    @Override public int partition() { return 0; }

    @Override public int attempt() { return 0; }

    @Override public void badRecord(String raw, String position, String reason) { throw new AssertionError(reason); }
  };

  /** The split through Kryo ({@code writer} writes, a reader allowing the split's class reads) or Java serialization. */
  public static SourceSplit roundTrip(SourceSplit split, boolean kryo, Serde writer) throws Exception {
    if (kryo) {
      return (SourceSplit) new Serde(Map.of(), Set.of(split.getClass())).fromBytes(writer.toBytes(split));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(split);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (SourceSplit) in.readObject();
    }
  }

  /** Reads the split to its end with one reader. */
  public static <T> Out<T> readInOneGo(Source<T> source, SourceSplit split) throws Exception {
    Out<T> plain = new Out<>();
    try (SplitReader<T> r = source.reader(split, CONTEXT)) {
      while (r.read(plain)) {
        // to the end
      }
    }
    return plain;
  }

  /**
   * Reads the split to its end in pieces of {@code random.nextInt(maxReads)} reads, each piece by a
   * new reader of the previous one's {@code remainingSplit()} round-tripped through Java or Kryo
   * (at random), which must equal it.
   */
  public static <T> Cut<T> readWithCuts(Source<T> source, SourceSplit split, Random random, int maxReads,
      Serde writer, String what) throws Exception {
    Out<T> cut = new Out<>();
    SourceSplit rest = split;
    boolean more = true;
    int cuts = 0;
    while (more) {
      try (SplitReader<T> r = source.reader(rest, CONTEXT)) {
        int reads = random.nextInt(maxReads);
        for (int i = 0; i < reads && more; i++) {
          more = r.read(cut);
        }
        SourceSplit next = r.remainingSplit();
        rest = roundTrip(next, random.nextBoolean(), writer);
        assertThat(rest).as(what).isEqualTo(next);
        cuts++;
      }
    }
    return new Cut<>(cut, rest, cuts);
  }

  /** A reader of the rest of a finished split ends at once and emits nothing. */
  public static <T> void assertRestEnds(Source<T> source, Cut<T> cut, String what) throws Exception {
    try (SplitReader<T> r = source.reader(cut.rest(), CONTEXT)) {
      int before = cut.out().records.size();
      assertThat(r.read(cut.out())).as(what + ": the rest of a finished split ends").isFalse();
      assertThat(cut.out().records).as(what).hasSize(before);
    }
  }
}
