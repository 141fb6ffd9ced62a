package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.codec.Serde;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Reads a split with and without checkpoints in between: at random moments (after a random number of
 * {@code read} calls, zero included) it takes the reader's {@code remainingSplit()}, round-trips it
 * through Java serialization or the Kryo {@link Serde} (read back by a fresh Serde that allows only
 * the given split types, as after a process restart), closes the reader and opens a new one for it.
 */
final class ResumeHarness {
  private ResumeHarness() {}

  /** One emitted record with its timestamp, the watermark declared before it and the reader's position. */
  record Emitted<T>(T value, long timestamp, long watermarkBefore, String position) {}

  static final class Out<T> implements SourceOutput<T> {
    final List<Emitted<T>> records = new ArrayList<>();
    long watermark = Long.MIN_VALUE;
    SplitReader<T> reader;

    @Override
    public void collect(T record) {
      collect(record, Long.MIN_VALUE);
    }

    @Override
    public void collect(T record, long timestamp) {
      records.add(new Emitted<>(record, timestamp, watermark, reader.position()));
    }

    @Override
    public void emitWatermark(long w) {
      assertThat(w).as("watermark must not go backwards").isGreaterThanOrEqualTo(watermark);
      watermark = w;
    }
  }

  /** Reads to the end (or, for an unbounded source, until {@code expected} records have come). */
  static <T> List<Emitted<T>> uninterrupted(Source<T> source, SourceSplit split, SourceHarness.FakeContext ctx,
      long expected) throws IOException {
    Out<T> out = new Out<>();
    try (SplitReader<T> reader = source.reader(split, ctx)) {
      out.reader = reader;
      for (int calls = 0; reader.read(out) && !reached(out, expected); calls++) {
        if (calls > 1_000_000) {
          throw new AssertionError("reader makes no progress");
        }
      }
    }
    return out.records;
  }

  private static boolean reached(Out<?> out, long expected) {
    return expected >= 0 && out.records.size() >= expected;
  }

  /** What a run with cuts gave: the records and how many cuts it made. */
  record Cut<T>(List<Emitted<T>> records, int cuts, SourceSplit last) {}

  static <T> Cut<T> withCuts(Source<T> source, SourceSplit split, SourceHarness.FakeContext ctx, long expected,
      Random random, String description, Set<Class<?>> splitTypes) throws Exception {
    return withCuts(source, split, ctx, expected, true, random, description, splitTypes);
  }

  /**
   * @param expected stop after this many records (unbounded sources), or -1: read to the end
   * @param finite whether nothing comes after the end (or after {@code expected} records)
   */
  static <T> Cut<T> withCuts(Source<T> source, SourceSplit split, SourceHarness.FakeContext ctx, long expected,
      boolean finite, Random random, String description, Set<Class<?>> splitTypes) throws Exception {
    Out<T> out = new Out<>();
    Serde writer = new Serde(Map.of(), Set.of());
    SplitReader<T> reader = source.reader(split, ctx);
    out.reader = reader;
    int cuts = 0;
    boolean more = true;
    SourceSplit rest = split;
    try {
      for (int round = 0; more; round++) {
        if (round > 1_000_000) {
          throw new AssertionError(description + ": reader makes no progress");
        }
        int reads = random.nextInt(4); // 0: cut again right away (or right at the start)
        for (int i = 0; i < reads && more; i++) {
          more = reader.read(out) && !reached(out, expected);
        }
        rest = reader.remainingSplit();
        reader.close();
        SourceSplit restored = roundTrip(rest, random.nextBoolean(), writer, splitTypes);
        assertThat(restored).as(description + ": split after serialization").isEqualTo(rest);
        reader = source.reader(restored, ctx);
        out.reader = reader;
        cuts++;
      }
      // the rest of a split read to its end is empty: its reader emits nothing (and a bounded one ends)
      int before = out.records.size();
      boolean again = !finite || reader.read(out);
      assertThat(out.records.size()).as(description + ": records from the rest of a finished split")
          .isEqualTo(before);
      if (expected < 0) {
        assertThat(again).as(description + ": rest of a finished split must end").isFalse();
      }
      rest = reader.remainingSplit();
    } finally {
      reader.close();
    }
    return new Cut<>(out.records, cuts, rest);
  }

  static SourceSplit roundTrip(SourceSplit split, boolean kryo, Serde writer, Set<Class<?>> splitTypes)
      throws Exception {
    if (!kryo) {
      return SerializationTest.roundTrip(split);
    }
    byte[] bytes = writer.toBytes(split);
    return (SourceSplit) new Serde(Map.of(), splitTypes).fromBytes(bytes);
  }
}
