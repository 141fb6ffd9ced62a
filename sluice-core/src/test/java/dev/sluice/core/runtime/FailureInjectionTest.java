package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.io.FileSink;
import dev.sluice.io.Sinks;
import dev.sluice.io.Sources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Injected failures in user functions and in a sink's writer, through the file connectors: retried
 * failures must leave output identical to a failure-free run; a task that fails every attempt must
 * fail the job with a message naming where, and leave neither part files nor spill files behind.
 */
class FailureInjectionTest {
  /** Injection sites (run/site/record) that already threw once; functions are shared, not serialized. */
  static final Set<String> FAILED_ONCE = ConcurrentHashMap.newKeySet();
  static final AtomicInteger INJECTED = new AtomicInteger();

  @TempDir Path temp;

  static LongStream seeds() {
    long base = Long.getLong("sluice.test.seed", 20261124L);
    return LongStream.range(0, 8).map(i -> base * 1_000_003L + i);
  }

  private RunOptions options(int parallelism, boolean tinyMemory) {
    return RunOptions.batch().withParallelism(parallelism).withTempDir(temp.resolve("spill"))
        .withRetryBackoff(Duration.ZERO).withMaxAttempts(12).withMemoryBudget(tinyMemory ? 1 : 0);
  }

  @ParameterizedTest(name = "seed={0}")
  @MethodSource("seeds")
  void retriedFailuresInMapsAndSinkWritersLeaveExactlyTheFailureFreeOutput(long seed) throws Exception {
    Random rnd = new Random(seed);
    int parallelism = 2 + 2 * rnd.nextInt(2);
    boolean tiny = rnd.nextBoolean();
    String desc = "seed " + seed + " (parallelism " + parallelism + ", tinyMemory " + tiny + ")";
    Path in = Files.createDirectories(temp.resolve("in"));
    List<String> lines = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      StringBuilder text = new StringBuilder();
      int n = 50 + rnd.nextInt(150);
      for (int i = 0; i < n; i++) {
        String line = "w" + rnd.nextInt(40) + " v" + rnd.nextInt(300) + (rnd.nextInt(5) == 0 ? " ü" + f : "");
        lines.add(line);
        text.append(line).append(rnd.nextBoolean() ? "\n" : "\r\n");
      }
      Files.writeString(in.resolve("f" + f + ".txt"), text, StandardCharsets.UTF_8);
    }
    long splitSize = 50 + rnd.nextInt(500);
    // Words and lines that fail the first time each injection site sees them.
    Set<String> poisonWords = Set.copyOf(List.of("w" + rnd.nextInt(40), "v" + rnd.nextInt(300), "w" + rnd.nextInt(40)));
    Set<String> poisonLines = Set.copyOf(List.of(lines.get(rnd.nextInt(lines.size())), lines.get(rnd.nextInt(lines.size()))));
    Map<Integer, Integer> sinkFailAt = new HashMap<>();
    for (int part = 0; part < 8; part++) {
      if (rnd.nextInt(3) == 0) {
        sinkFailAt.put(part, 1 + rnd.nextInt(30)); // more than a partition holds sometimes: no failure then
      }
    }
    String run = "run" + seed;
    INJECTED.set(0);

    // Word count: failures in stage 0 (before the exchange), stage 1 (after count) and the sink writer.
    Map<String, List<String>> clean = wordCount(in, splitSize, temp.resolve("wc-clean"), parallelism, tiny,
        null, Set.of(), Map.of());
    Map<String, List<String>> flaky = wordCount(in, splitSize, temp.resolve("wc-flaky"), parallelism, tiny,
        run, poisonWords, sinkFailAt);
    Map<String, Long> ref = new HashMap<>();
    for (String l : lines) {
      for (String w : l.split(" ")) {
        ref.merge(w, 1L, Long::sum);
      }
    }
    List<String> want = new ArrayList<>();
    ref.forEach((w, c) -> want.add(w + "\t" + c));
    assertThat(FilePipelinePropertyTest.sorted(concat(clean))).as(desc + ": failure-free word count").isEqualTo(
        FilePipelinePropertyTest.sorted(want));
    assertThat(sortedParts(flaky)).as(desc + ": word count with retried failures, part by part")
        .isEqualTo(sortedParts(clean));

    // Map-only: the sink sits in the source-driven stage, one part per split, lines in file order.
    Map<String, List<String>> cleanLines = upperCase(in, splitSize, temp.resolve("up-clean"), parallelism, null,
        Set.of(), Map.of());
    Map<String, List<String>> flakyLines = upperCase(in, splitSize, temp.resolve("up-flaky"), parallelism, run,
        poisonLines, sinkFailAt);
    assertThat(concat(cleanLines)).as(desc + ": failure-free map-only output")
        .isEqualTo(lines.stream().map(String::toUpperCase).toList());
    assertThat(flakyLines).as(desc + ": map-only output with retried failures, part by part, in order")
        .isEqualTo(cleanLines);
    assertThat(INJECTED.get()).as(desc + ": failures were injected").isPositive();
  }

  private Map<String, List<String>> wordCount(Path in, long splitSize, Path out, int parallelism, boolean tiny,
      String run, Set<String> poison, Map<Integer, Integer> sinkFailAt) throws Exception {
    Pipeline p = Pipeline.create("wordcount");
    p.read(Sources.textFiles(in.toString()).withSplitSize(splitSize))
        .flatMap(FilePipelinePropertyTest::splitWords)
        .map(w -> failOnce(run, "words", w, poison.contains(w)))
        .keyBy(w -> w).count()
        .map(kv -> failOnce(run, "counts", kv, poison.contains(kv.key())))
        .write(new FlakySink<>(Sinks.<KV<String, Long>>textFiles(out.toString(), kv -> kv.key() + "\t" + kv.value()),
            sinkFailAt, false));
    p.run(options(parallelism, tiny));
    FilePipelinePropertyTest.checkClean("word count " + out.getFileName(), out, temp.resolve("spill"), parallelism);
    return parts(out);
  }

  private Map<String, List<String>> upperCase(Path in, long splitSize, Path out, int parallelism, String run,
      Set<String> poison, Map<Integer, Integer> sinkFailAt) throws Exception {
    Pipeline p = Pipeline.create("upper");
    p.read(Sources.textFiles(in.toString()).withSplitSize(splitSize))
        .map(l -> failOnce(run, "lines", l, poison.contains(l)).toUpperCase())
        .write(new FlakySink<>(Sinks.<String>textFiles(out.toString()), sinkFailAt, false));
    p.run(options(parallelism, false));
    assertThat(FilePipelinePropertyTest.list(out)).contains("_SUCCESS").doesNotContain("_temporary");
    return parts(out);
  }

  static <T> T failOnce(String run, String site, T record, boolean poisoned) {
    if (run != null && poisoned && FAILED_ONCE.add(run + "/" + site + "/" + record)) {
      INJECTED.incrementAndGet();
      throw new IllegalStateException("injected failure at " + record);
    }
    return record;
  }

  @Test
  void mapFailingEveryAttemptFailsTheJobNamingStageSplitFileLineAndCause() throws Exception {
    Path in = Files.createDirectories(temp.resolve("in"));
    for (int f = 0; f < 3; f++) {
      StringBuilder text = new StringBuilder();
      for (int i = 1; i <= 2000; i++) {
        text.append(f == 1 && i == 1234 ? "POISON" : "k" + (i * 7919 % 997) + "-" + f).append('\n');
      }
      Files.writeString(in.resolve("f" + f + ".txt"), text);
    }
    Path poisoned = in.resolve("f1.txt");
    Path out = temp.resolve("out"); // does not exist yet
    Path emptyOut = Files.createDirectories(temp.resolve("empty-out"));
    for (Path dir : List.of(out, emptyOut)) {
      Pipeline p = Pipeline.create("poisoned");
      p.read(Sources.textFiles(in.toString()))
          .map(line -> {
            if (line.equals("POISON")) {
              throw new IllegalStateException("cannot digest " + line);
            }
            return line;
          })
          .keyBy(line -> line).count()
          .write(Sinks.<KV<String, Long>>textFiles(dir.toString()));
      assertThatThrownBy(() -> p.run(RunOptions.batch().withParallelism(2).withTempDir(temp.resolve("spill"))
          .withRetryBackoff(Duration.ZERO).withMemoryBudget(1)))
          .isInstanceOfSatisfying(JobFailedException.class, e -> assertThat(e.getMessage())
              .contains("job 'poisoned' failed")
              .contains("stage 0")
              .contains("split " + poisoned)
              .contains("after 3 attempts")
              .contains("file " + poisoned + ", line 1234 (byte ")
              .contains("threw java.lang.IllegalStateException: cannot digest POISON"));
    }
    assertThat(out).as("a new output directory is removed when the job fails").doesNotExist();
    assertThat(FilePipelinePropertyTest.list(emptyOut)).as("an existing empty output directory stays empty").isEmpty();
    assertThat(spillFiles()).as("spill files removed").isEmpty();
  }

  @Test
  void sinkWriterFailingEveryAttemptFailsTheJobNamingSplitFileLineAndCause() throws Exception {
    Path file = temp.resolve("in.txt");
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 500; i++) {
      text.append("line ").append(i).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    Files.writeString(file, text);
    Path out = temp.resolve("out");
    Pipeline p = Pipeline.create("sinkdoom");
    p.read(Sources.textFiles(file.toString()))
        .map(String::length)
        .write(new FlakySink<>(Sinks.<Integer>textFiles(out.toString()), Map.of(0, 77), true));
    assertThatThrownBy(() -> p.run(RunOptions.batch().withParallelism(2).withTempDir(temp.resolve("spill"))
        .withRetryBackoff(Duration.ZERO)))
        .isInstanceOfSatisfying(JobFailedException.class, e -> assertThat(e.getMessage())
            .contains("stage 0")
            .contains("split " + file)
            .contains("after 3 attempts")
            .contains("file " + file + ", line 77 (byte ")
            .contains("threw java.io.IOException: injected sink failure at record 77 of partition 0"));
    assertThat(out).as("a new output directory is removed when the job fails").doesNotExist();
    assertThat(spillFiles()).isEmpty();
  }

  static final AtomicLong SPILL_FILES_SEEN = new AtomicLong();

  @Test
  void failureInTheSecondStageAfterTheFirstSpilledLeavesTheTempDirEmpty() throws Exception {
    Path in = Files.createDirectories(temp.resolve("in"));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      text.append("key").append(i % 1000).append(' ').append("x").append(i % 7).append('\n');
    }
    Files.writeString(in.resolve("data.txt"), text);
    Path spill = temp.resolve("spill");
    Path out = temp.resolve("out");
    SPILL_FILES_SEEN.set(0);
    Pipeline p = Pipeline.create("late");
    p.read(Sources.textFiles(in.toString()))
        .flatMap(FilePipelinePropertyTest::splitWords)
        .keyBy(w -> w).count()
        .map(kv -> {
          if (kv.key().equals("key432")) {
            SPILL_FILES_SEEN.accumulateAndGet(countFiles(spill), Math::max);
            throw new IllegalStateException("late failure");
          }
          return kv;
        })
        .write(Sinks.<KV<String, Long>>textFiles(out.toString()));
    assertThatThrownBy(() -> p.run(RunOptions.batch().withParallelism(2).withTempDir(spill)
        .withRetryBackoff(Duration.ZERO).withMemoryBudget(1)))
        .isInstanceOfSatisfying(JobFailedException.class, e -> assertThat(e.getMessage())
            .contains("stage 1")
            .contains("partition ")
            .contains("threw java.lang.IllegalStateException: late failure"));
    assertThat(SPILL_FILES_SEEN.get()).as("the first stage had spilled when the second failed").isPositive();
    assertThat(spillFiles()).as("spill files removed").isEmpty();
    assertThat(out).doesNotExist();
  }

  private static long countFiles(Path root) {
    if (!Files.exists(root)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0; // files vanish while we look; the count is a lower bound
    }
  }

  private List<String> spillFiles() throws IOException {
    Path spill = temp.resolve("spill");
    return Files.exists(spill) ? FilePipelinePropertyTest.list(spill) : List.of();
  }

  /** Part file name to its lines. */
  private static Map<String, List<String>> parts(Path dir) throws IOException {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    for (String name : FilePipelinePropertyTest.list(dir)) {
      if (name.startsWith("part-")) {
        String text = Files.readString(dir.resolve(name));
        out.put(name, text.isEmpty() ? List.of() : List.of(text.substring(0, text.length() - 1).split("\n", -1)));
      }
    }
    return out;
  }

  private static List<String> concat(Map<String, List<String>> parts) {
    List<String> all = new ArrayList<>();
    parts.values().forEach(all::addAll);
    return all;
  }

  private static Map<String, List<String>> sortedParts(Map<String, List<String>> parts) {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    parts.forEach((k, v) -> out.put(k, FilePipelinePropertyTest.sorted(v)));
    return out;
  }

  /**
   * Delegates to a file sink; the writer of a chosen partition throws on its Nth record, on the first
   * attempt only (or on every attempt).
   */
  static final class FlakySink<T> implements Sink<T> {
    private final FileSink<T> delegate;
    private final Map<Integer, Integer> failAt;
    private final boolean everyAttempt;

    FlakySink(FileSink<T> delegate, Map<Integer, Integer> failAt, boolean everyAttempt) {
      this.delegate = delegate;
      this.failAt = failAt;
      this.everyAttempt = everyAttempt;
    }

    @Override
    public void open(int parallelism) throws IOException {
      delegate.open(parallelism);
    }

    @Override
    public SinkWriter<T> writer(WriterContext context) throws IOException {
      SinkWriter<T> w = delegate.writer(context);
      Integer at = failAt.get(context.partition());
      if (at == null || (!everyAttempt && context.attempt() > 1)) {
        return w;
      }
      return new SinkWriter<>() {
        int n;

        @Override
        public void write(T record) throws IOException {
          if (++n == at) {
            INJECTED.incrementAndGet();
            throw new IOException("injected sink failure at record " + n + " of partition " + context.partition());
          }
          w.write(record);
        }

        @Override
        public Object prepareCommit() throws IOException {
          return w.prepareCommit();
        }

        @Override
        public void abort() {
          w.abort();
        }

        @Override
        public void close() throws IOException {
          w.close();
        }
      };
    }

    @Override
    public void commit(List<Object> committables) throws IOException {
      delegate.commit(committables);
    }

    @Override
    public void abort() {
      delegate.abort();
    }
  }
}
