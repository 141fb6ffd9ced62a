package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.source.SourceSplit;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.testing.SplitResume;
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
        SplitResume.Out<Event> plain = SplitResume.readInOneGo(source, split);
        SplitResume.Cut<Event> cut = SplitResume.readWithCuts(source, split, random, 4, writer, d);
        SplitResume.assertRestEnds(source, cut, d);
        assertThat(cut.out().records).as(d + " (" + cut.cuts() + " cuts)").containsExactlyElementsOf(plain.records);
        total += plain.records.size();
      }
      assertThat(total).as("seed " + seed).isEqualTo(events);
    }
  }
}
