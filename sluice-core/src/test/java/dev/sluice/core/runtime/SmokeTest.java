package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void wordCount() {
    Pipeline p = Pipeline.create("wc");
    List<KV<String, Long>> out = p.fromCollection(List.of("a b", "b c", "c c"))
        .flatMap((String line, dev.sluice.api.function.Collector<String> o) -> {
          for (String w : line.split(" ")) o.collect(w);
        })
        .keyBy(w -> w).count().collect(RunOptions.batch().withParallelism(2));
    Map<String, Long> m = out.stream().collect(Collectors.toMap(KV::key, KV::value));
    assertThat(m).containsExactlyInAnyOrderEntriesOf(Map.of("a", 1L, "b", 2L, "c", 3L));

  }
}
