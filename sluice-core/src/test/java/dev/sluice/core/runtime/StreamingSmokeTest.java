package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.SerializableComparator;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The everyday shapes on the streaming runtime over bounded input. */
class StreamingSmokeTest {
  private static final RunOptions STREAM = RunOptions.streaming().withParallelism(2);
  @TempDir java.nio.file.Path temp;

  private static List<Integer> ints(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @Test
  void mapFilterCollect() {
    Pipeline p = Pipeline.create("s1");
    List<Integer> got = p.fromCollection(ints(10_000)).map(x -> x * 2).filter(x -> x % 3 == 0).collect(STREAM);
    assertThat(new ArrayList<>(got)).hasSize(3334).contains(0, 6, 19_998);
  }

  @Test
  void countSortJoin() {
    Pipeline p = Pipeline.create("s2");
    List<KV<Integer, Long>> counts = p.fromCollection(ints(10_000)).keyBy(x -> x % 7).count().collect(STREAM);
    assertThat(counts).hasSize(7);
    assertThat(counts.stream().mapToLong(KV::value).sum()).isEqualTo(10_000);

    List<Integer> sorted = p.fromCollection(IntStream.range(0, 5000).map(i -> 4999 - i).boxed().toList()).sortBy(SerializableComparator.<Integer>naturalOrder())
        .collect(STREAM);
    assertThat(sorted).isEqualTo(ints(5000));

    var left = p.fromCollection(ints(100)).keyBy(x -> x % 10);
    var right = p.fromCollection(ints(10)).keyBy(x -> x);
    assertThat(left.join(right).collect(STREAM)).hasSize(100);
  }

  @Test
  void resultCarriesStreamStats() {
    Pipeline p = Pipeline.create("s3");
    dev.sluice.api.internal.CollectSink<Integer> sink = new dev.sluice.api.internal.CollectSink<>();
    p.fromCollection(ints(50_000)).map(x -> x + 1).write(sink);
    JobResult r = p.run(STREAM);
    assertThat(sink.result()).hasSize(50_000);
    assertThat(r.stream()).isNotNull();
    assertThat(r.stream().events()).isEqualTo(50_000);
    assertThat(r.stream().latencySamples()).isEqualTo(50_000);
    assertThat(r.plan()).contains("Mode: streaming");
  }

  @Test
  void blockingFileSourceAndFileSinkRunOnIoThreadsWithTheBatchResult() throws Exception {
    java.nio.file.Path in = temp.resolve("in.txt");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      lines.add("w" + (i % 97) + " x" + (i % 13));
    }
    java.nio.file.Files.write(in, lines);
    java.util.function.Function<RunOptions, List<String>> job = o -> {
      Pipeline p = Pipeline.create("files");
      java.nio.file.Path out = temp.resolve("out-" + o.mode());
      p.read(dev.sluice.io.Sources.textFiles(in.toString()))
          .flatMap((String l, dev.sluice.api.function.Collector<String> c) -> {
            for (String w : l.split(" ")) {
              c.collect(w);
            }
          })
          .keyBy(w -> w).count().write(dev.sluice.io.Sinks.textFiles(out.toString(), kv -> kv.key() + "=" + kv.value()));
      p.run(o.withTempDir(temp));
      try (var files = java.nio.file.Files.list(out)) {
        List<String> all = new ArrayList<>();
        for (java.nio.file.Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
          all.addAll(java.nio.file.Files.readAllLines(f));
        }
        java.util.Collections.sort(all);
        return all;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    List<String> batch = job.apply(RunOptions.batch().withParallelism(2));
    assertThat(batch).hasSize(110);
    assertThat(job.apply(STREAM)).isEqualTo(batch);
  }

  @Test
  void badRecordsOfABlockingSourceAreSkippedOrDeadLetteredAsInBatch() {
    Pipeline p = Pipeline.create("dlq");
    var ds = p.read(new RuntimeBehaviourTest.LinesSource(List.of("1", "x", "3"),
        dev.sluice.api.source.BadRecordPolicy.DEAD_LETTER));
    dev.sluice.api.internal.CollectSink<dev.sluice.api.source.DeadLetter> dead = new dev.sluice.api.internal.CollectSink<>();
    dev.sluice.api.internal.CollectSink<String> good = new dev.sluice.api.internal.CollectSink<>();
    ds.deadLetters().write(dead);
    ds.write(good);
    JobResult r = p.run(STREAM.withTempDir(temp));
    assertThat(r.plan()).contains("Mode: streaming");
    assertThat(good.result()).containsExactly("1", "3");
    assertThat(dead.result()).singleElement().satisfies(d -> assertThat(d.raw()).isEqualTo("x"));

    Pipeline skip = Pipeline.create("skip");
    skip.read(new RuntimeBehaviourTest.LinesSource(List.of("1", "x", "3", "y"), dev.sluice.api.source.BadRecordPolicy.SKIP))
        .named("in").write(new dev.sluice.api.internal.CollectSink<>());
    JobResult s = skip.run(STREAM.withTempDir(temp));
    assertThat(s.operator("in").skipped()).isEqualTo(2);
    assertThat(s.operator("in").recordsOut()).isEqualTo(2);
  }

  @Test
  void sideOutputsReachTheirTransformsAndLateDropsAreCounted() {
    String id = "side";
    Pipeline p = Pipeline.create("side");
    dev.sluice.api.internal.CollectSink<Object> main = new dev.sluice.api.internal.CollectSink<>();
    dev.sluice.api.internal.CollectSink<Object> side = new dev.sluice.api.internal.CollectSink<>();
    var processed = p.fromCollection(ints(1000)).process(new dev.sluice.api.function.ProcessFunction<Integer, Object>() {
      @Override public void processElement(Integer value, Context ctx, dev.sluice.api.function.Collector<Object> out) {}
    }).named("proc");
    processed.write(main);
    processed.sideOutput(dev.sluice.api.SideOutput.<Object>of("odd")).write(side);
    StreamConfig config = StreamConfig.DEFAULT.withOperators((op, cl) -> new SideSplitter());
    JobResult r = new StreamExecution(p.plan(), STREAM.withTempDir(temp), config).start().await();
    assertThat(main.result()).hasSize(500);
    assertThat(side.result()).hasSize(250);
    assertThat(r.operator("proc").lateDropped()).isEqualTo(250);
  }

  /** Even values to the main output, values = 1 mod 4 to the side output "odd", the rest counted as late. */
  static final class SideSplitter implements dev.sluice.core.stream.StreamOperator {
    private dev.sluice.core.stream.OperatorContext ctx;

    @Override public void open(dev.sluice.core.stream.OperatorContext ctx) { this.ctx = ctx; }

    @Override
    public void processElement(int input, Object key, Object value, long timestamp) {
      int v = (Integer) value;
      if (v % 2 == 0) {
        ctx.output().emit(v, timestamp);
      } else if (v % 4 == 1) {
        ctx.output().emitSide("odd", v, timestamp);
      } else {
        ctx.countLateDropped(v, timestamp);
      }
    }

    @Override public void processWatermark(long watermark) { ctx.output().emitWatermark(watermark); }

    @Override public void finish() {}
  }

  @Test
  void batchJobStartedWithAHandleCanBeCancelled() throws Exception {
    Pipeline p = Pipeline.create("batch-cancel");
    java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
    p.fromCollection(ints(1_000_000)).map(x -> {
      seen.incrementAndGet();
      Thread.sleep(1);
      return x;
    }).write(new dev.sluice.api.internal.CollectSink<>());
    dev.sluice.api.JobHandle h = p.start(RunOptions.batch().withParallelism(2).withTempDir(temp));
    StreamingTestSupport.await("records flow", () -> seen.get() > 10);
    h.cancel();
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
  }
}
