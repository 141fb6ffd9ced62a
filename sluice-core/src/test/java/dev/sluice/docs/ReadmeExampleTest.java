package dev.sluice.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.io.Sinks;
import dev.sluice.io.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example in README.md, verbatim apart from the paths: it must compile and do what it says. */
class ReadmeExampleTest {
  @TempDir Path dir;

  @Test
  void readmeWordCountRuns() throws Exception {
    Path books = Files.createDirectories(dir.resolve("books"));
    Files.writeString(books.resolve("a.txt"), "The cat and the hat.\nA cat!\n");
    Files.writeString(books.resolve("b.txt"), "the end\n");
    String in = books.resolve("*.txt").toString();
    String out = dir.resolve("out/counts").toString();

    Pipeline p = Pipeline.create("wordcount");
    p.read(Sources.textFiles(in))                                   // Dataset<String>
     .flatMap((String line, Collector<String> o) -> {
       for (String w : line.toLowerCase().split("\\W+")) {
         if (!w.isEmpty()) o.collect(w);
       }
     })
     .keyBy(w -> w)                                                 // KeyedDataset<String, String>
     .count()                                                       // Dataset<KV<String, Long>>
     .write(Sinks.textFiles(out, kv -> kv.key() + "\t" + kv.value()));
    JobResult r = p.run(RunOptions.batch().withParallelism(4));

    assertThat(r.plan()).contains("Stage 0").contains("Stage 1");
    assertThat(Path.of(out).resolve("_SUCCESS")).exists();
    List<String> lines = new ArrayList<>();
    try (Stream<Path> parts = Files.list(Path.of(out))) {
      for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        lines.addAll(Files.readAllLines(part));
      }
    }
    assertThat(lines).containsExactlyInAnyOrder("the\t3", "cat\t2", "and\t1", "hat\t1", "a\t1", "end\t1");
  }
}
