package dev.sluice.examples.nexmark;

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
 * The NEXMark source resumes exactly from {@code remainingSplit()}: with random checkpoints (cut,
 * serialize with Java or Kryo, restore, cut again) each split emits the same events, timestamps and
 * watermarks as read in one go.
 */
class NexmarkSourcePositionsTest {
  record Emitted(Event event, long timestamp, long watermarkBefore) {}

  static final class Out implements SourceOutput<Event> {
    final List<Emitted> records = new ArrayList<>();
    long watermark = Long.MIN_VALUE;

    @Override public void collect(Event e) { collect(e, Long.MIN_VALUE); }

    @Override public void collect(Event e, long ts) { records.add(new Emitted(e, ts, watermark)); }

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
      return (SourceSplit) new Serde(Map.of(), Set.of(NexmarkSource.GeneratorSplit.class)).fromBytes(writer.toBytes(split));
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
  void splitsResumeExactly() throws Exception {
    Serde writer = new Serde(Map.of(), Set.of());
    for (long seed = 0; seed < 12; seed++) {
      Random random = new Random(seed);
      long events = random.nextInt(4) == 0 ? random.nextInt(120) : 1 + random.nextInt(12_000);
      int parallelism = 1 + random.nextInt(4);
      NexmarkSource source = new NexmarkSource(GeneratorConfig.defaults(events), 0);
      long total = 0;
      for (SourceSplit split : source.splits(parallelism)) {
        String d = "seed " + seed + ", " + events + " events, split " + split.id();
        Out plain = new Out();
        try (SplitReader<Event> r = source.reader(split, CONTEXT)) {
          while (r.read(plain)) {
            // to the end
          }
        }
        Out cut = new Out();
        SourceSplit rest = split;
        boolean more = true;
        int cuts = 0;
        while (more) {
          try (SplitReader<Event> r = source.reader(rest, CONTEXT)) {
            int reads = random.nextInt(4);
            for (int i = 0; i < reads && more; i++) {
              more = r.read(cut);
            }
            SourceSplit next = r.remainingSplit();
            rest = roundTrip(next, random.nextBoolean(), writer);
            assertThat(rest).as(d).isEqualTo(next);
            cuts++;
          }
        }
        try (SplitReader<Event> r = source.reader(rest, CONTEXT)) {
          assertThat(r.read(cut)).as(d + ": the rest of a finished split ends").isFalse();
        }
        assertThat(cut.records).as(d + " (" + cuts + " cuts)").containsExactlyElementsOf(plain.records);
        total += plain.records.size();
      }
      assertThat(total).as("seed " + seed).isEqualTo(events);
    }
  }
}
