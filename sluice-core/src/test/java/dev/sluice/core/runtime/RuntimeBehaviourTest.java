package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.JobResult;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.DeadLetter;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeBehaviourTest {
  @TempDir Path temp;

  private RunOptions options(int parallelism) {
    return RunOptions.batch().withParallelism(parallelism).withTempDir(temp).withRetryBackoff(Duration.ofMillis(1));
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void taskThatAlwaysFailsFailsTheJobNamingStagePartitionInputAndCause() throws Exception {
    RecordingSink<Long> sink = new RecordingSink<>();
    Pipeline p = Pipeline.create("doomed");
    p.read(new LinesSource(List.of("alpha", "beta", "gamma"), BadRecordPolicy.FAIL, false))
        .map(line -> {
          if (line.equals("beta")) {
            throw new java.io.IOException("cannot handle beta");
          }
          return line.length();
        })
        .keyBy(n -> n).count().map(KV::value)
        .write(sink);
    assertThatThrownBy(() -> p.run(options(2)))
        .isInstanceOfSatisfying(JobFailedException.class, e -> {
          assertThat(e.getMessage())
              .contains("job 'doomed' failed")
              .contains("stage 0")
              .contains("split lines-0")
              .contains("after 3 attempts")
              .contains("line 2 of lines-0")
              .contains("map (#1) threw java.io.IOException: cannot handle beta");
          assertThat(e.result().status()).isEqualTo(JobResult.Status.FAILED);
        });
    assertThat(sink.committed).isEmpty();
    assertThat(sink.aborted.get()).isEqualTo(1);
    assertThat(sink.attemptsStarted.get()).as("the downstream stage never started").isZero();
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.toList()).as("spill directory removed after failure").isEmpty();
    }
  }

  @Test
  void failedTaskIsRetriedAloneAndTheResultIsComplete() {
    Map<Integer, AtomicInteger> runsPerRecord = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    Pipeline p = Pipeline.create("retry");
    List<Integer> got = p.fromCollection(range(1000))
        .map(x -> {
          runsPerRecord.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
          if (x == 777 && failures.getAndIncrement() < 2) {
            throw new IllegalStateException("flaky");
          }
          return x;
        })
        .collect(options(4));
    assertThat(got).containsExactlyInAnyOrderElementsOf(range(1000));
    assertThat(failures.get()).isEqualTo(3);
    // Only the split holding 777 (elements 750..999 at parallelism 4) ran again, twice.
    assertThat(runsPerRecord.get(777).get()).isEqualTo(3);
    assertThat(runsPerRecord.get(10).get()).isEqualTo(1);
    assertThat(runsPerRecord.get(760).get()).isEqualTo(3);
  }

  @Test
  void metricsCountOnlySuccessfulAttempts() {
    AtomicInteger failures = new AtomicInteger();
    Pipeline p = Pipeline.create("metrics");
    p.fromCollection(range(100)).named("numbers")
        .map(x -> {
          if (x == 5 && failures.getAndIncrement() == 0) {
            throw new IllegalStateException("once");
          }
          return x;
        }).named("check")
        .filter(x -> x % 2 == 0).named("even")
        .write(new CollectSink<>());
    JobResult r = p.run(options(2));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(r.operator("check").recordsIn()).isEqualTo(100);
    assertThat(r.operator("even").recordsIn()).isEqualTo(100);
    assertThat(r.operator("even").recordsOut()).isEqualTo(50);
    assertThat(r.plan()).contains("Stage 0");
  }

  @Test
  void badRecordsFailByDefaultNamingThePositionWithoutRetrying() {
    AtomicInteger readers = new AtomicInteger();
    LinesSource source = new LinesSource(List.of("1", "2", "x3", "4"), BadRecordPolicy.FAIL);
    source.opened = readers;
    Pipeline p = Pipeline.create("bad");
    p.read(source).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(options(1)))
        .isInstanceOf(JobFailedException.class)
        .hasMessageContaining("bad record at line 3 of lines-0: not a number")
        .hasMessageContaining("\"x3\"")
        .hasMessageContaining("after 1 attempt");
    assertThat(readers.get()).as("bad input is not retried").isEqualTo(1);
  }

  @Test
  void skippedBadRecordsAreCounted() {
    Pipeline p = Pipeline.create("skip");
    p.read(new LinesSource(List.of("1", "x", "3", "y"), BadRecordPolicy.SKIP)).named("in").write(new CollectSink<>());
    JobResult r = p.run(options(1));
    assertThat(r.operator("in").skipped()).isEqualTo(2);
    assertThat(r.operator("in").recordsOut()).isEqualTo(2);
  }

  @Test
  void deadLettersGoToTheirOwnOutputWithPositionAndReason() {
    Pipeline p = Pipeline.create("dlq");
    var ds = p.read(new LinesSource(List.of("1", "x", "3"), BadRecordPolicy.DEAD_LETTER));
    CollectSink<DeadLetter> dead = new CollectSink<>();
    CollectSink<String> good = new CollectSink<>();
    ds.deadLetters().write(dead);
    ds.write(good);
    p.run(options(1));
    assertThat(good.result()).containsExactly("1", "3");
    assertThat(dead.result()).singleElement().satisfies(d -> {
      assertThat(d.raw()).isEqualTo("x");
      assertThat(d.position()).isEqualTo("line 2 of lines-0");
      assertThat(d.reason()).isEqualTo("not a number");
    });
  }

  @Test
  void deadLetterPolicyWithoutConsumerIsRejectedBeforeRunning() {
    Pipeline p = Pipeline.create("dlq");
    p.read(new LinesSource(List.of("1"), BadRecordPolicy.DEAD_LETTER)).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(options(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deadLetters() dataset is not written anywhere");
  }

  @Test
  void aggregationOfManyKeysSpillsUnderATinyBudgetAndStaysCorrect() {
    int n = 60_000;
    Pipeline p = Pipeline.create("spill");
    var result = p.fromCollection(range(n))
        .flatMap((Integer x, Collector<String> out) -> {
          out.collect("k" + x);
          out.collect("k" + (x / 2));
        })
        .keyBy(s -> s).count();
    List<KV<String, Long>> got = result.collect(options(2).withMemoryBudget(256 * 1024));
    Map<String, Long> want = new HashMap<>();
    for (int x = 0; x < n; x++) {
      want.merge("k" + x, 1L, Long::sum);
      want.merge("k" + (x / 2), 1L, Long::sum);
    }
    Map<String, Long> gotMap = new HashMap<>();
    got.forEach(kv -> assertThat(gotMap.put(kv.key(), kv.value())).isNull());
    assertThat(gotMap).isEqualTo(want);
  }

  @Test
  void unusableSpillDirectoryFailsTheJobSayingWhatToDo() throws Exception {
    Path notADirectory = Files.writeString(temp.resolve("a-file"), "x");
    Pipeline p = Pipeline.create("nospill");
    var counts = p.fromCollection(range(5000)).keyBy(x -> x % 1000).count();
    assertThatThrownBy(() -> counts.collect(options(1).withMemoryBudget(1).withTempDir(notADirectory)))
        .isInstanceOf(JobFailedException.class)
        .hasMessageContaining("cannot create a spill directory under " + notADirectory)
        .hasMessageContaining("RunOptions.withTempDir");
  }

  @Test
  void sortGivesATotalOrderAcrossPartitions() {
    List<Integer> in = new ArrayList<>();
    java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 20_000; i++) {
      in.add(rnd.nextInt(1_000_000));
    }
    List<Integer> got = Pipeline.create("sort").fromCollection(in).sortBy(x -> x).collect(options(4));
    List<Integer> want = new ArrayList<>(in);
    want.sort(null);
    assertThat(got).isEqualTo(want);
  }

  /** A source of text lines in one split that reports lines that are not integers as bad records. */
  static final class LinesSource implements Source<String> {
    private final List<String> lines;
    private final BadRecordPolicy policy;
    private final boolean validate;
    transient AtomicInteger opened;

    LinesSource(List<String> lines, BadRecordPolicy policy) {
      this(lines, policy, true);
    }

    LinesSource(List<String> lines, BadRecordPolicy policy, boolean validate) {
      this.lines = lines;
      this.policy = policy;
      this.validate = validate;
    }

    record Split(String id) implements SourceSplit {}

    @Override
    public List<Split> splits(int parallelism) {
      return List.of(new Split("lines-0"));
    }

    @Override
    public BadRecordPolicy badRecordPolicy() {
      return policy;
    }

    @Override
    public SplitReader<String> reader(SourceSplit split, SourceContext ctx) {
      if (opened != null) {
        opened.incrementAndGet();
      }
      return new SplitReader<>() {
        int line;

        @Override
        public boolean read(Collector<? super String> out) {
          if (line == lines.size()) {
            return false;
          }
          String s = lines.get(line++);
          if (validate && !s.matches("-?\\d+")) {
            ctx.badRecord(s, position(), "not a number");
          } else {
            out.collect(s);
          }
          return true;
        }

        @Override
        public String position() {
          return "line " + line + " of " + split.id();
        }

        @Override
        public void close() {}
      };
    }
  }

  /** Records what the runtime does with a sink: attempts, commit, abort. */
  static final class RecordingSink<T> implements Sink<T> {
    final List<Object> committed = new CopyOnWriteArrayList<>();
    final AtomicInteger aborted = new AtomicInteger();
    final AtomicInteger attemptsStarted = new AtomicInteger();

    @Override
    public SinkWriter<T> writer(WriterContext context) {
      attemptsStarted.incrementAndGet();
      List<T> buffer = new ArrayList<>();
      return new SinkWriter<>() {
        @Override public void write(T record) { buffer.add(record); }

        @Override public Object prepareCommit() { return buffer; }

        @Override public void abort() { buffer.clear(); }
      };
    }

    @Override
    public void commit(List<Object> committables) {
      committed.addAll(committables);
    }

    @Override
    public void abort() {
      aborted.incrementAndGet();
    }
  }
}
