package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

/**
 * A test stream resumes exactly from {@code remainingSplit()}: with random checkpoints (cut,
 * serialize with Java or Kryo, restore, cut again) it emits the same elements, timestamps and
 * watermarks as replayed in one go; a restored reader declares the last watermark again first, so
 * elements behind it stay late.
 */
class TestStreamPositionsTest {
  record Emitted(String value, long timestamp, long watermarkBefore) {}

  static final class Out implements SourceOutput<String> {
    final List<Emitted> records = new ArrayList<>();
    long watermark = Long.MIN_VALUE;

    @Override public void collect(String v) { collect(v, Long.MIN_VALUE); }

    @Override public void collect(String v, long ts) { records.add(new Emitted(v, ts, watermark)); }

    @Override
    public void emitWatermark(long w) {
      assertThat(w).isGreaterThanOrEqualTo(watermark);
      watermark = w;
    }
  }

  private static final SourceContext CONTEXT = new SourceContext() {
    @Override public int partition() { return 0; }

    @Override public int attempt() { return 0; }

    @Override public void badRecord(String raw, String position, String reason) { throw new AssertionError(reason); }
  };

  private static SourceSplit roundTrip(SourceSplit split, boolean kryo, Serde writer) throws Exception {
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

  @Test
  void restoredStreamsReplayTheRestExactly() throws Exception {
    Serde writer = new Serde(Map.of(), Set.of());
    for (long seed = 0; seed < 50; seed++) {
      Random random = new Random(seed);
      TestStream<String> stream = TestStream.create();
      long watermark = 0;
      int steps = random.nextInt(40);
      for (int i = 0; i < steps; i++) {
        if (random.nextInt(3) == 0) {
          watermark += random.nextInt(100);
          stream = stream.advanceWatermarkTo(watermark);
        } else {
          stream = stream.add("e" + i, watermark - 50 + random.nextInt(200));
        }
      }
      String d = "seed " + seed + ", script " + stream.events();
      SourceSplit split = stream.splits(1).get(0);
      Out plain = new Out();
      try (SplitReader<String> r = stream.reader(split, CONTEXT)) {
        while (r.read(plain)) {
          // to the end
        }
      }
      Out cut = new Out();
      SourceSplit rest = split;
      boolean more = true;
      while (more) {
        try (SplitReader<String> r = stream.reader(rest, CONTEXT)) {
          int reads = random.nextInt(3);
          for (int i = 0; i < reads && more; i++) {
            more = r.read(cut);
          }
          SourceSplit next = r.remainingSplit();
          rest = roundTrip(next, random.nextBoolean(), writer);
          assertThat(rest).as(d).isEqualTo(next);
        }
      }
      try (SplitReader<String> r = stream.reader(rest, CONTEXT)) {
        int before = cut.records.size();
        assertThat(r.read(cut)).as(d).isFalse();
        assertThat(cut.records).as(d).hasSize(before);
      }
      assertThat(cut.records).as(d).containsExactlyElementsOf(plain.records);
    }
  }
}
