package dev.sluice.core.runtime;

import static dev.sluice.core.runtime.StreamingTestSupport.await;
import static dev.sluice.core.runtime.StreamingTestSupport.awaitNoSluiceThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.plan.Op;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.core.runtime.StreamingTestSupport.CountingGenerator;
import dev.sluice.core.runtime.StreamingTestSupport.RunningCount;
import dev.sluice.core.runtime.StreamingTestSupport.ScriptedSource;
import dev.sluice.core.runtime.StreamingTestSupport.SlowSink;
import dev.sluice.core.runtime.StreamingTestSupport.VirtualClock;
import dev.sluice.core.stream.StreamOperators;
import dev.sluice.core.stream.channel.Channel;
import dev.sluice.io.Sinks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the pipelined streaming runtime: backpressure, watermarks, cancel, failures, mode selection. */
class StreamingRuntimeTest {
  @TempDir Path temp;

  /** A keyed process function that does nothing: the tests substitute their own operator for it. */
  static final class Unused extends KeyedProcessFunction<Object, Long, Object> {
    @Override public void processElement(Long value, Context<Object> ctx, Collector<Object> out) {}
  }

  @Test
  void slowSinkThrottlesAFastUnboundedSourceAndChannelsStayWithinCapacity() throws Exception {
    int chunk = 50;
    StreamConfig config = new StreamConfig(4, 16, 200_000);
    CountingGenerator gen = new CountingGenerator("bp", 2, chunk);
    SlowSink sink = new SlowSink("bp", 1);
    Pipeline p = Pipeline.create("backpressure");
    p.read(gen).map(x -> x + 1).rebalance().map(x -> x * 2).write(sink);
    StreamExecution job = new StreamExecution(p.plan(), RunOptions.streaming().withParallelism(2).withTempDir(temp),
        config);
    JobHandle handle = job.start();
    try {
      List<Channel> channels = job.channels();
      long capacity = 0;
      for (Channel c : channels) {
        capacity += c.recordCapacity();
      }
      // In flight outside channels: per producer task, one source chunk of overflow plus a partly
      // filled batch per output channel.
      long slack = 4L * (chunk + 2L * config.batchSize()) + 2L * config.batchSize();
      await("the sink wrote 300 records", () -> sink.written() >= 300);
      for (int i = 0; i < 200; i++) {
        long written = sink.written();
        long emitted = gen.emitted();
        for (Channel c : channels) {
          assertThat(c.bufferedRecords()).isLessThanOrEqualTo(c.recordCapacity());
        }
        assertThat(emitted).as("source throttled: emitted %d, written %d, capacity %d", emitted, written, capacity)
            .isLessThanOrEqualTo(written + capacity + slack + chunk);
        Thread.sleep(2);
      }
      for (Channel c : channels) {
        assertThat(c.maxBufferedRecords()).isLessThanOrEqualTo(c.recordCapacity());
      }
    } finally {
      handle.cancel();
      assertThat(handle.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    }
  }

  private StreamExecution watermarkJob(String id, ScriptedSource source, WatermarkStrategy<Long> ws, VirtualClock clock) {
    Pipeline p = Pipeline.create("watermarks-" + id);
    p.read(source).withWatermarks(ws).keyBy(x -> x % 3).process(new Unused()).write(new CollectSink<>());
    return new StreamExecution(p.plan(), RunOptions.streaming().withParallelism(1).withClock(clock).withTempDir(temp),
        StreamConfig.DEFAULT.withOperators(RunningCount.factory(id)));
  }

  private static long lastWatermark(String id) {
    List<Long> w = RunningCount.WATERMARKS.get(id);
    return w.isEmpty() ? Long.MIN_VALUE : w.get(w.size() - 1);
  }

  @Test
  void operatorWatermarkIsTheMinimumOverItsInputsAndEndedInputsStopHoldingItBack() throws Exception {
    String id = "min";
    ScriptedSource source = new ScriptedSource(id, 2);
    JobHandle handle = watermarkJob(id, source, WatermarkStrategy.monotonous(), new VirtualClock()).start();
    source.emit(0, 1, 100);
    source.emit(1, 2, 50);
    await("watermark 49", () -> lastWatermark(id) == 49);
    source.emit(1, 3, 200);
    await("watermark 99", () -> lastWatermark(id) == 99);
    source.emit(0, 4, 300);
    await("watermark 199", () -> lastWatermark(id) == 199);
    assertThat(RunningCount.WATERMARKS.get(id)).as("never ahead of the slower input").containsExactly(49L, 99L, 199L);
    source.end(1);
    await("split 1 ended, split 0 alone decides: 299", () -> lastWatermark(id) == 299);
    source.end(0);
    JobResult r = handle.await();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(RunningCount.EMITTED.get(id)).isNotEmpty();
  }

  @Test
  void idleInputStopsHoldingTimeBackUntilItSendsAgain() throws Exception {
    String id = "idle";
    VirtualClock clock = new VirtualClock();
    ScriptedSource source = new ScriptedSource(id, 2);
    JobHandle handle = watermarkJob(id, source,
        WatermarkStrategy.<Long>monotonous().withIdleness(Duration.ofMillis(100)), clock).start();
    try {
      source.emit(0, 1, 100);
      source.emit(1, 2, 50);
      await("watermark 49", () -> lastWatermark(id) == 49);
      clock.millis.addAndGet(1_000); // both inputs idle now
      source.emit(0, 3, 500);        // input 0 active again, input 1 still idle
      await("idle input 1 no longer holds time back", () -> lastWatermark(id) == 499);
      source.emit(1, 4, 300);        // input 1 active again, behind: no new watermark
      source.emit(1, 6, 700);
      await("record 6 processed", () -> RunningCount.TIMESTAMPS.get(id).contains(700L));
      // Input 1's channel delivers a record behind the control that made it active again, so once
      // this later record is processed the operator knows input 1 is live (ordering across the two
      // inputs is not deterministic, within one channel it is).
      source.emit(1, 7, 800);
      await("record 7 processed", () -> RunningCount.TIMESTAMPS.get(id).contains(800L));
      source.emit(0, 5, 1000);
      await("input 1 holds time back again", () -> lastWatermark(id) == 799);
      assertThat(RunningCount.WATERMARKS.get(id)).containsExactly(49L, 499L, 799L);
    } finally {
      handle.cancel();
      assertThat(handle.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    }
  }

  @Test
  void cancelStopsEveryThreadRemovesTempFilesAndCommitsNothing() throws Exception {
    CountingGenerator gen = new CountingGenerator("cancel", 2, 100);
    Path out = temp.resolve("out");
    Path work = temp.resolve("work");
    Files.createDirectories(work);
    Pipeline p = Pipeline.create("cancel");
    var ds = p.read(gen);
    ds.map(x -> "line " + x).write(Sinks.textFiles(out.toString()));
    ds.keyBy(x -> x % 10_000).count().write(new CollectSink<>()); // spills under the tiny budget
    JobHandle handle = p.start(RunOptions.streaming().withParallelism(2).withTempDir(work).withMemoryBudget(1));
    await("records flow", () -> gen.emitted() > 50_000);
    handle.cancel();
    JobResult r = handle.await();
    assertThat(r.status()).isEqualTo(JobResult.Status.CANCELLED);
    assertThat(handle.isDone()).isTrue();
    awaitNoSluiceThreads();
    try (Stream<Path> files = Files.list(work)) {
      assertThat(files.toList()).as("temp job directory removed").isEmpty();
    }
    if (Files.exists(out)) {
      try (Stream<Path> files = Files.walk(out)) {
        assertThat(files.filter(Files::isRegularFile).toList()).as("nothing committed").isEmpty();
      }
    }
  }

  @Test
  void failingUserFunctionFailsTheJobNamingOperatorPositionAndCause() throws Exception {
    Pipeline p = Pipeline.create("failing");
    p.fromCollection(IntStream.range(0, 10_000).boxed().toList())
        .map(x -> {
          if (x == 7_777) {
            throw new IllegalStateException("boom at " + x);
          }
          return x;
        })
        .keyBy(x -> x % 10).count()
        .write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(RunOptions.streaming().withParallelism(2).withTempDir(temp)))
        .isInstanceOfSatisfying(JobFailedException.class, e -> {
          assertThat(e.getMessage())
              .startsWith("job 'failing' failed: stage 0 [")
              .contains("map (#1) threw java.lang.IllegalStateException: boom at 7777")
              .contains("element 7777 of the collection")
              .doesNotContain("\n");
          assertThat(e.result().status()).isEqualTo(JobResult.Status.FAILED);
        });
    awaitNoSluiceThreads();
  }

  @Test
  void modeSelection() {
    Pipeline p = Pipeline.create("modes");
    p.read(new CountingGenerator("modes", 1, 1)).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(RunOptions.batch()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is unbounded; batch mode needs bounded sources");
    assertThat(LocalRunner.streaming(p.plan(), RunOptions.defaults())).isTrue();

    Pipeline bounded = Pipeline.create("bounded");
    bounded.fromCollection(List.of(1L, 2L)).write(new CollectSink<>());
    assertThat(LocalRunner.streaming(bounded.plan(), RunOptions.defaults())).isFalse();
    assertThat(LocalRunner.streaming(bounded.plan(), RunOptions.streaming())).isTrue();

    Pipeline timed = Pipeline.create("timed");
    timed.fromCollection(List.of(1L, 2L)).withTimestamps(x -> x, WatermarkStrategy.monotonous())
        .write(new CollectSink<>());
    assertThat(LocalRunner.streaming(timed.plan(), RunOptions.defaults())).isTrue();
    assertThat(LocalRunner.streaming(timed.plan(), RunOptions.batch())).as("streaming-only ops run streaming").isTrue();
    assertThat(timed.explain()).contains("Mode: streaming");
    assertThat(bounded.explain()).contains("Mode: batch");
  }

  @Test
  void missingOperatorImplementationFailsWithAClearMessage() {
    Op op = new Op.KeyedProcess(x -> x, new Unused());
    ClassLoader empty = new ClassLoader(null) {};
    assertThatThrownBy(() -> StreamOperators.check(op, empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no implementation of keyedProcess on the class path")
        .hasMessageContaining("dev.sluice.core.stream.keyed.KeyedProcessOperator");
  }

  @Test
  void timestampsTravelWithRecordsThroughExchangesAndAreKeptFromTheSource() throws Exception {
    String id = "ts";
    ScriptedSource source = new ScriptedSource(id, 1);
    source.emit(0, 10, 1_000);
    source.emit(0, 11, 2_000);
    source.end(0);
    Pipeline p = Pipeline.create("ts");
    CollectSink<Object> sink = new CollectSink<>();
    p.read(source).withWatermarks(WatermarkStrategy.monotonous()).rebalance()
        .keyBy(x -> x).process(new Unused()).write(sink);
    JobResult r = new StreamExecution(p.plan(), RunOptions.streaming().withParallelism(2).withTempDir(temp),
        StreamConfig.DEFAULT.withOperators(RunningCount.factory(id))).start().await();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sink.result()).hasSize(2);
    assertThat(RunningCount.TIMESTAMPS.get(id)).containsExactlyInAnyOrder(1_000L, 2_000L);
  }
}
