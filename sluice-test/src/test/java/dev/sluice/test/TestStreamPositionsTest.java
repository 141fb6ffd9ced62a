package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.source.SourceSplit;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.testing.SplitResume;
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
      SplitResume.Out<String> plain = SplitResume.readInOneGo(stream, split);
      SplitResume.Cut<String> cut = SplitResume.readWithCuts(stream, split, random, 3, writer, d);
      SplitResume.assertRestEnds(stream, cut, d);
      assertThat(cut.out().records).as(d).containsExactlyElementsOf(plain.records);
    }
  }
}
