package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Timestamped;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimestampedSourceTest {
  @Test
  void emitsEachValueWithItsTimestampAtAnyParallelism() throws Exception {
    List<Timestamped<String>> in = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      in.add(Timestamped.of("v" + i, (i * 31L) % 1000));
    }
    Source<String> s = Sources.timestamped(in);
    assertThat(s.blocking()).isFalse();
    for (int p : new int[] {1, 2, 4}) {
      List<Timestamped<String>> got = new ArrayList<>();
      for (SourceSplit split : s.splits(p)) {
        RecordingOutput<String> out = new RecordingOutput<>();
        try (SplitReader<String> r = s.reader(split, null)) {
          while (r.read(out)) { }
        }
        assertThat(out.watermarks).isEmpty();
        got.addAll(out.records);
      }
      assertThat(got).containsExactlyElementsOf(in);
    }
  }

  @Test
  void aPlainCollectorGetsTheValues() {
    List<String> got = dev.sluice.api.Pipeline.create("t")
        .read(Sources.timestamped(List.of(Timestamped.of("a", 5), Timestamped.of("b", 1)))).collect();
    assertThat(got).containsExactly("a", "b");
  }
}
