package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.DeadLetter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file connectors under the local runtime: splits on several tasks, retries, commit, errors. */
class FileConnectorsEndToEndTest {
  @TempDir Path temp;

  record Person(String name, int age) {}

  private RunOptions options(int parallelism) {
    return RunOptions.batch().withParallelism(parallelism).withTempDir(temp.resolve("work"))
        .withRetryBackoff(Duration.ofMillis(1));
  }

  private static List<String> entries(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** A stateful parser from a factory: one instance per split reader, used by one thread only. */
  static final class CountingParser implements LineParser<KV<Integer, Integer>> {
    static final AtomicInteger CREATED = new AtomicInteger();
    static final AtomicInteger MISUSED = new AtomicInteger();
    private final int id = CREATED.incrementAndGet();
    private final Thread owner = Thread.currentThread();
    private int lines; // plain state: safe because the instance is not shared

    @Override
    public void parse(byte[] buf, int start, int end, Collector<KV<Integer, Integer>> out) {
      if (Thread.currentThread() != owner) {
        MISUSED.incrementAndGet();
      }
      lines++;
      out.collect(new KV<>(id, lines));
    }
  }

  @Test
  void aParserFactoryGivesEverySplitReaderItsOwnParser() throws Exception {
    Path in = temp.resolve("numbers.txt");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      text.append(i).append('\n');
    }
    Files.writeString(in, text);
    CountingParser.CREATED.set(0);
    CountingParser.MISUSED.set(0);

    Pipeline p = Pipeline.create("factory");
    FileSource<KV<Integer, Integer>> source = Sources.lines(in.toString(), CountingParser::new).withSplitSize(500);
    int splits = source.splits(3).size();
    // Per parser: how many lines it saw (the max of its running count) and how many records it emitted.
    List<KV<Integer, Long>> counts = p.read(source).keyBy(KV::key).count().collect(options(3));
    List<KV<Integer, Integer>> last = p.read(source).keyBy(KV::key).max((a, b) -> Integer.compare(a.value(), b.value()))
        .map(KV::value).collect(options(3));

    assertThat(splits).isGreaterThan(5);
    assertThat(CountingParser.MISUSED.get()).isZero();
    assertThat(counts).hasSize(splits);
    assertThat(counts.stream().mapToLong(KV::value).sum()).isEqualTo(1000);
    // Each parser counted only its own split's lines: a parser's state is never shared.
    assertThat(last.stream().mapToLong(KV::value).sum()).isEqualTo(1000);
  }

  /** Refills one mutable record per line: only allowed with {@code reusingRecords()}. */
  static final class Word {
    String text;
    int length;
  }

  static final class ReusingParser implements LineParser<Word> {
    private final Word word = new Word();

    @Override
    public void parse(byte[] buf, int start, int end, Collector<Word> out) {
      word.text = new String(buf, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
      word.length = end - start;
      out.collect(word);
    }
  }

  /** Total length per word: combinable, keeps no Word. */
  static class TotalLength implements dev.sluice.api.Aggregation<Word, long[], Long> {
    @Override public long[] create() { return new long[1]; }
    @Override public long[] accumulate(long[] acc, Word w) { acc[0] += w.length; return acc; }
    @Override public long[] combine(long[] a, long[] b) { a[0] += b[0]; return a; }
    @Override public Long export(long[] acc) { return acc[0]; }
  }

  @Test
  void aSourceThatReusesRecordsFeedsACombiningAggregation() throws Exception {
    Path in = temp.resolve("words.txt");
    StringBuilder text = new StringBuilder();
    Map<String, Long> want = new TreeMap<>();
    for (int i = 0; i < 3000; i++) {
      String w = "w" + (i * 7919 % 37);
      text.append(w).append('\n');
      want.merge(w, (long) w.length(), Long::sum);
    }
    Files.writeString(in, text);
    Pipeline p = Pipeline.create("reuse");
    List<KV<String, Long>> got = p.read(Sources.lines(in.toString(), ReusingParser::new).withSplitSize(1000).reusingRecords())
        .keyBy(w -> w.text).aggregate(new TotalLength()).collect(options(3));
    Map<String, Long> byWord = new TreeMap<>();
    got.forEach(kv -> byWord.put(kv.key(), kv.value()));
    assertThat(byWord).isEqualTo(want);
  }

  @Test
  void aSourceThatReusesRecordsCannotFeedAnOperatorThatKeepsThem() {
    FileSource<Word> source = Sources.lines(temp.resolve("any.txt").toString(), ReusingParser::new).reusingRecords();
    assertThat(source.reusesRecords()).isTrue();
    assertThat(source.withSplitSize(10).withBadRecordPolicy(BadRecordPolicy.SKIP).reusesRecords()).isTrue();
    assertThat(Sources.lines("x", ReusingParser::new).reusesRecords()).isFalse();

    Pipeline mapped = Pipeline.create("mapped");
    mapped.read(source).map(w -> w.text).write(new CollectSink<>());
    assertThatThrownBy(() -> mapped.run(options(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reuses its record objects")
        .hasMessageContaining("map");

    Pipeline collected = Pipeline.create("collected");
    collected.read(source).write(new CollectSink<>());
    assertThatThrownBy(() -> collected.run(options(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reuses its record objects");

    Pipeline notCombinable = Pipeline.create("notCombinable");
    notCombinable.read(source).keyBy(w -> w.text).aggregate(new TotalLength() {
      @Override public boolean canCombine() { return false; }
    }).write(new CollectSink<>());
    assertThatThrownBy(() -> notCombinable.run(options(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reuses its record objects");
  }

  @Test
  void wordCountOverSplitFilesWritesExactlyOnceDespiteARetry() throws Exception {
    Path in = Files.createDirectories(temp.resolve("in"));
    Map<String, Long> want = new TreeMap<>();
    for (int f = 0; f < 3; f++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 400; i++) {
        String line = "w" + (i % 7) + " x" + (i % 3) + (i % 5 == 0 ? " é" : "");
        text.append(line).append(i % 4 == 0 ? "\r\n" : "\n");
        for (String w : line.split(" ")) {
          want.merge(w, 1L, Long::sum);
        }
      }
      Files.writeString(in.resolve("book" + f + ".txt"), text);
    }
    Files.writeString(in.resolve("_SUCCESS"), "ignored\n");
    Path out = temp.resolve("out");
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    FailOnce.attempts = attempts;

    Pipeline p = Pipeline.create("wordcount");
    p.read(Sources.textFiles(in.toString()).withSplitSize(700))
        .flatMap((String line, Collector<String> o) -> {
          for (String w : line.split(" ")) {
            o.collect(w);
          }
        })
        .keyBy(w -> w).count()
        .map(FailOnce::check)
        .write(Sinks.<KV<String, Long>>textFiles(out.toString(), kv -> kv.key() + "\t" + kv.value()));
    p.run(options(3));

    assertThat(entries(out)).contains("_SUCCESS", "_SLUICE").doesNotContain("_temporary");
    Map<String, Long> got = new TreeMap<>();
    for (String line : SourceHarness.readAll(Sources.textFiles(out.toString()))) {
      String[] kv = line.split("\t");
      assertThat(got.put(kv[0], Long.parseLong(kv[1]))).as("duplicate " + kv[0]).isNull();
    }
    assertThat(got).isEqualTo(want);
    assertThat(FailOnce.failures.get()).isEqualTo(1);
  }

  /** Fails the first time it sees "w3", so one task attempt is retried after writing some output. */
  static final class FailOnce {
    static volatile Map<String, AtomicInteger> attempts;
    static final AtomicInteger failures = new AtomicInteger();

    static KV<String, Long> check(KV<String, Long> kv) {
      if (kv.key().equals("w3") && attempts.computeIfAbsent("w3", k -> new AtomicInteger()).getAndIncrement() == 0) {
        failures.incrementAndGet();
        throw new IllegalStateException("injected failure");
      }
      return kv;
    }
  }

  @Test
  void aFailingFunctionNamesTheFileLineAndByte() throws Exception {
    Path f = Files.writeString(temp.resolve("n.txt"), "1\n2\nthree\n4\n");
    Pipeline p = Pipeline.create("parse");
    p.read(Sources.textFiles(f.toString())).map(Integer::parseInt).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(options(2)))
        .isInstanceOf(JobFailedException.class)
        .hasMessageContaining("file " + f + ", line 3 (byte 4)")
        .hasMessageContaining("three");
  }

  @Test
  void badCsvRowsFailTheJobOrGoToTheDeadLetterOutput() throws Exception {
    Path f = Files.writeString(temp.resolve("p.csv"), "name,age\nann,41\nbob,forty\ncid,7\n");
    Pipeline failing = Pipeline.create("csv");
    failing.read(Sources.csv(f.toString(), Person.class)).write(new CollectSink<>());
    assertThatThrownBy(() -> failing.run(options(1)))
        .hasMessageContaining("file " + f + ", line 3 (byte 16)")
        .hasMessageContaining("column 'age': cannot convert \"forty\" to int");

    Pipeline p = Pipeline.create("csv-dlq");
    var people = p.read(Sources.csv(f.toString(), Person.class).withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER));
    CollectSink<Person> good = new CollectSink<>();
    CollectSink<DeadLetter> dead = new CollectSink<>();
    people.write(good);
    people.deadLetters().write(dead);
    p.run(options(2));
    assertThat(good.result()).containsExactly(new Person("ann", 41), new Person("cid", 7));
    assertThat(dead.result()).singleElement().satisfies(d -> {
      assertThat(d.raw()).isEqualTo("bob,forty");
      assertThat(d.position()).isEqualTo("file " + f + ", line 3 (byte 16)");
    });
  }

  @Test
  void anExistingOutputIsRefusedBeforeAnythingRunsAndKeptWhenTheJobFails() throws Exception {
    Path in = Files.writeString(temp.resolve("in.txt"), "a\nb\n");
    Path out = temp.resolve("out");
    Pipeline first = Pipeline.create("first");
    first.read(Sources.textFiles(in.toString())).write(Sinks.textFiles(out.toString()));
    first.run(options(2));
    List<String> before = new ArrayList<>(SourceHarness.readAll(Sources.textFiles(out.toString())));
    assertThat(before).containsExactlyInAnyOrder("a", "b");

    Pipeline again = Pipeline.create("again");
    again.read(Sources.textFiles(in.toString())).write(Sinks.textFiles(out.toString()));
    assertThatThrownBy(() -> again.run(options(2)))
        .hasStackTraceContaining("OutputExistsException")
        .hasStackTraceContaining("already exists and is not empty");

    Pipeline broken = Pipeline.create("broken");
    broken.read(Sources.textFiles(in.toString()))
        .map(s -> {
          if (s.equals("b")) {
            throw new IllegalStateException("always");
          }
          return s;
        })
        .write(Sinks.<String>textFiles(out.toString()).withOverwrite(true));
    assertThatThrownBy(() -> broken.run(options(2))).isInstanceOf(JobFailedException.class);
    assertThat(SourceHarness.readAll(Sources.textFiles(out.toString()))).isEqualTo(before);
    assertThat(entries(out)).doesNotContain("_temporary");
  }

  @Test
  void aMissingInputLeavesNoOutputDirectoryBehind() {
    Path out = temp.resolve("never");
    Pipeline p = Pipeline.create("missing");
    p.read(Sources.textFiles(temp.resolve("nope/*.txt").toString())).write(Sinks.textFiles(out.toString()));
    assertThatThrownBy(() -> p.run(options(2)))
        .hasStackTraceContaining("InputNotFoundException")
        .hasStackTraceContaining("no input files match");
    assertThat(out).doesNotExist();
  }

  @Test
  void aJobMayRewriteItsOwnEarlierOutput() throws Exception {
    Path out = temp.resolve("out");
    Pipeline first = Pipeline.create("first");
    first.read(Sources.collection(List.of("a", "b", "c"))).write(Sinks.textFiles(out.toString()));
    first.run(options(2));

    Pipeline again = Pipeline.create("again");
    again.read(Sources.textFiles(out.toString())).map(String::toUpperCase)
        .write(Sinks.<String>textFiles(out.toString()).withOverwrite(true));
    again.run(options(3));
    assertThat(SourceHarness.readAll(Sources.textFiles(out.toString()))).containsExactlyInAnyOrder("A", "B", "C");
  }
}
