package dev.sluice.core.runtime;

import static dev.sluice.core.testing.Records.assertSameRecords;
import static dev.sluice.core.testing.Records.readParts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import dev.sluice.core.testing.FailOnce;
import dev.sluice.io.Sinks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Streaming jobs with checkpoints recover from injected failures and crashes with exactly-once
 * output: compared with the failure-free run, nothing is lost and nothing duplicated. No timing
 * assertions: the source pauses a little per chunk so that checkpoints fall inside the input, but
 * the results must be the same wherever they fall. Seeds are printed on failure.
 */
class CheckpointRecoveryTest {
  private static final long N = 40_000;

  @TempDir Path temp;

  /** Emits each value the first time it is seen (keyed state): a lost or replayed state shows in the output. */
  static final class FirstSeen extends KeyedProcessFunction<Long, Long, String> {
    private transient ValueState<Long> count;

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(StateSpec.value("count"));
    }

    @Override
    public void processElement(Long value, Context<Long> ctx, Collector<String> out) throws Exception {
      Long c = count.value();
      long n = c == null ? 1 : c + 1;
      count.update(n);
      out.collect(value + "#" + n);
    }
  }

  private static SeqSource source(boolean blocking) {
    return new SeqSource(N, 200, 200_000, blocking, true);
  }

  private Pipeline pipeline(String name, boolean keyed, boolean blocking, long failAt, String failKey,
                            dev.sluice.api.sink.Sink<String> sink) {
    return pipeline(name, keyed, source(blocking), failAt, failKey, sink);
  }

  private Pipeline pipeline(String name, boolean keyed, SeqSource source, long failAt, String failKey,
                            dev.sluice.api.sink.Sink<String> sink) {
    Pipeline p = Pipeline.create(name);
    var in = p.read(source).map(new FailOnce(failKey, failAt));
    if (keyed) {
      in.map(x -> x % (N / 2)).keyBy(x -> x).process(new FirstSeen()).write(sink);
    } else {
      in.map(x -> "v" + (x * 3)).write(sink);
    }
    return p;
  }

  private RunOptions options(int parallelism, Path dir) {
    return RunOptions.streaming().withParallelism(parallelism).withMaxAttempts(3).withRetryBackoff(Duration.ZERO)
        .withCheckpointing(dir, Duration.ofMillis(30));
  }

  private static List<String> expected(boolean keyed) {
    List<String> l = new ArrayList<>();
    for (long x = 0; x < N; x++) {
      l.add(keyed ? (x % (N / 2)) + "#" + (x < N / 2 ? 1 : 2) : "v" + (x * 3));
    }
    l.sort(null);
    return l;
  }

  @ParameterizedTest(name = "parallelism {0}, keyed {1}, blocking source {2}, file sink {3}")
  @CsvSource({"1,false,false,false", "2,false,true,true", "1,true,true,true", "2,true,false,false",
      "2,true,true,false", "1,false,false,true"})
  void injectedFailureRecoversExactlyOnce(int parallelism, boolean keyed, boolean blocking, boolean fileSink) {
    long seed = new Random().nextLong();
    long failAt = N / 4 + new Random(seed).nextLong(N / 2);
    String key = "inj-" + parallelism + keyed + blocking + fileSink + seed;
    Path out = temp.resolve("out");
    CollectSink<String> collect = new CollectSink<>();
    dev.sluice.api.sink.Sink<String> sink = fileSink ? Sinks.textFiles(out.toString()) : collect;
    Pipeline p = pipeline("inject", keyed, blocking, failAt, key, sink);
    JobResult r = p.run(options(parallelism, temp.resolve("ck")));
    assertThat(FailOnce.injected(key)).as("the failure was injected (seed %d)", seed).isTrue();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> got = fileSink ? readParts(out) : new ArrayList<>(collect.result());
    got.sort(null);
    assertSameRecords(got, expected(keyed), "exactly once after a failure at " + failAt + " (seed " + seed + ")");
    if (fileSink) {
      assertThat(out.resolve("_SUCCESS")).exists();
      assertThat(out.resolve("_temporary")).doesNotExist();
    }
  }

  @ParameterizedTest(name = "keyed {0}, parallelism {1} then {2}")
  @CsvSource({"false,2,2", "true,2,1", "true,1,3"})
  void crashedJobResumesFromItsCheckpointDirectory(boolean keyed, int before, int after) throws Exception {
    Path out = temp.resolve("out");
    Path ck = temp.resolve("ck");
    String gate = "crash-" + keyed + before + after;
    SeqSource.GATES.put(gate, new AtomicBoolean(false));
    SeqSource gated = source(false);
    gated.gate = gate; // the first run cannot get past the middle of its splits
    Pipeline first = pipeline("crash", keyed, gated, -1, "none", Sinks.textFiles(out.toString()));
    JobHandle h = first.start(options(before, ck));
    CheckpointStorage storage = new CheckpointStorage(ck, "crash");
    StreamingTestSupport.await("two complete checkpoints", () -> {
      try {
        return storage.ids().stream().filter(storage::hasMetadata).count() >= 2;
      } catch (IOException e) {
        return false;
      }
    });
    h.cancel(); // a crash: nothing more is committed, staged output stays behind
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    assertThat(out.resolve("_SUCCESS")).doesNotExist();

    SeqSource.GATES.get(gate).set(true);
    Pipeline second = pipeline("crash", keyed, gated, -1, "none", Sinks.textFiles(out.toString()));
    JobResult r = second.run(options(after, ck));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(readParts(out), expected(keyed), "resumed at parallelism " + after);
    assertThat(out.resolve("_SUCCESS")).exists();
  }

  /**
   * Keyed heap state is checkpointed incrementally: the job is crashed once a complete checkpoint
   * holds it as a chain of parts (a full one and deltas, in the shared directory), resumes from it
   * at another parallelism exactly once, and leaves no part in the shared directory that no
   * retained checkpoint references.
   */
  @ParameterizedTest(name = "parallelism {0} then {1}")
  @CsvSource({"2,1", "1,2"})
  void crashedJobResumesFromAChainOfIncrementalParts(int before, int after) throws Exception {
    Path out = temp.resolve("out");
    Path ck = temp.resolve("ck");
    String gate = "chain-" + before + after;
    SeqSource.GATES.put(gate, new AtomicBoolean(false));
    SeqSource gated = source(false);
    gated.gate = gate;
    JobHandle h = pipeline("chain", true, gated, -1, "none", Sinks.textFiles(out.toString())).start(options(before, ck));
    CheckpointStorage storage = new CheckpointStorage(ck, "chain");
    StreamingTestSupport.await("a complete checkpoint whose keyed state builds on an earlier part", () -> {
      try {
        for (long id : storage.ids()) {
          if (storage.hasMetadata(id) && storage.readMetadata(id).nativeFiles().stream().anyMatch(f -> f.reused())) {
            return true;
          }
        }
        return false;
      } catch (IOException e) {
        return false;
      }
    });
    h.cancel();
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    long newest = storage.ids().stream().filter(storage::hasMetadata).max(Long::compare).orElseThrow();
    assertThat(storage.readMetadata(newest).nativeFiles()).as("the restore point's parts")
        .allSatisfy(f -> assertThat(f.name()).startsWith("heap-")).hasSizeGreaterThanOrEqualTo(2);

    SeqSource.GATES.get(gate).set(true);
    JobResult r = pipeline("chain", true, gated, -1, "none", Sinks.textFiles(out.toString())).run(options(after, ck));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(readParts(out), expected(true), "resumed from incremental parts at parallelism " + after);

    java.util.Set<String> referenced = new java.util.HashSet<>();
    for (long id : storage.ids()) {
      if (storage.hasMetadata(id)) {
        storage.readMetadata(id).nativeFiles().forEach(f -> referenced.add(f.name()));
      }
    }
    try (Stream<Path> shared = Files.list(storage.sharedDir())) {
      assertThat(shared.map(f -> f.getFileName().toString()).toList()).as("shared parts left")
          .allSatisfy(n -> assertThat(referenced).contains(n));
    }
  }

  @Test
  void sourceWithoutPositionsIsRefusedAtStart() {
    Pipeline p = Pipeline.create("nopos");
    p.read(new SeqSource(100, 10, 0, false, false)).map(x -> x + 1).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(options(1, temp.resolve("ck"))))
        .hasMessageContaining("source seq(100) cannot be checkpointed");
  }

  @Test
  void batchOperatorsAreRefused() {
    Pipeline p = Pipeline.create("sort");
    p.read(source(false)).sortBy(x -> -x).write(new CollectSink<>());
    assertThatThrownBy(() -> p.run(options(1, temp.resolve("ck"))))
        .hasMessageContaining("cannot be checkpointed").hasMessageContaining("batch operator")
        .hasMessageContaining("keyed aggregations are");
    Pipeline j = Pipeline.create("join");
    var left = j.read(source(false)).keyBy(x -> x % 3);
    left.join(j.read(source(false)).keyBy(x -> x % 3)).write(new CollectSink<>());
    assertThatThrownBy(() -> j.run(options(1, temp.resolve("ck"))))
        .hasMessageContaining("cannot be checkpointed").hasMessageContaining("join");
  }

  @Test
  void failedCheckpointsDoNotFailTheJob() throws IOException {
    Path ck = temp.resolve("ck");
    Files.createDirectories(ck);
    Files.writeString(ck.resolve("full"), "a file where the job's checkpoint directory should be");
    CollectSink<String> sink = new CollectSink<>();
    Pipeline p = pipeline("full", false, false, -1, "none", sink);
    JobResult r = p.run(options(2, ck));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sink.result()).hasSize((int) N);

    SeqSource.GATES.put("full", new AtomicBoolean(false));
    SeqSource gated = source(false);
    gated.gate = "full"; // never opens: the job runs until a checkpoint fails it
    Pipeline strict = pipeline("full", false, gated, -1, "none", new CollectSink<>());
    RunOptions o = options(2, ck).withMaxAttempts(1);
    RunOptions none = o.withCheckpointing(o.checkpointing().withTolerableFailures(0));
    assertThatThrownBy(() -> strict.run(none)).hasMessageContaining(ck.resolve("full").toString())
        .hasMessageContaining("checkpoints failed in a row");
  }
}
