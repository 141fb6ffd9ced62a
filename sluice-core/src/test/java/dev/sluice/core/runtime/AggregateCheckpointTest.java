package dev.sluice.core.runtime;

import static dev.sluice.core.testing.Records.assertSameRecords;
import static dev.sluice.core.testing.Records.readParts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregation;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import dev.sluice.core.testing.FailOnce;
import dev.sluice.io.Sinks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keyed aggregations (count, sum, aggregate) in checkpointed streaming and micro-batch mode: a
 * failure injected once at a random record, a crash and restart at another parallelism, and
 * micro-batch mode all give exactly the failure-free batch output. No timing assertions.
 */
class AggregateCheckpointTest {
  private static final long N = 40_000;
  private static final long KEYS = 997;

  @TempDir Path temp;

  /** Sum of the values, without combine: no map-side combine, the final side accumulates records. */
  static final class SumNoCombine implements Aggregation<Long, long[], Long> {
    @Override public long[] create() { return new long[1]; }

    @Override
    public long[] accumulate(long[] acc, Long value) {
      acc[0] += value;
      return acc;
    }

    @Override
    public long[] combine(long[] a, long[] b) {
      throw new UnsupportedOperationException("no combine");
    }

    @Override public Long export(long[] acc) { return acc[0]; }

    @Override public boolean canCombine() { return false; }
  }

  private static Pipeline pipeline(String name, dev.sluice.api.source.Source<Long> source, String failKey, long failAt, String agg,
                                   Path out) {
    Pipeline p = Pipeline.create(name);
    var keyed = p.read(source).map(new FailOnce(failKey, failAt)).keyBy(x -> x % KEYS);
    var result = switch (agg) {
      case "count" -> keyed.count();
      case "sum" -> keyed.sum(x -> x);
      default -> keyed.aggregate(new SumNoCombine());
    };
    result.map(kv -> kv.key() + "=" + kv.value()).write(Sinks.textFiles(out.toString()));
    return p;
  }

  private static SeqSource source() {
    return new SeqSource(N, 200, 200_000, false, true);
  }

  private static RunOptions streaming(int parallelism, Path ck) {
    return RunOptions.streaming().withParallelism(parallelism).withMaxAttempts(3).withRetryBackoff(Duration.ZERO)
        .withCheckpointing(ck, Duration.ofMillis(30));
  }

  /** The failure-free output, from batch mode. */
  private List<String> batch(String agg, int parallelism) {
    Path out = temp.resolve("batch-" + agg);
    JobResult r = pipeline("agg-batch", new SeqSource(N, 200, 0, false, true), "none", -1, agg, out)
        .run(RunOptions.batch().withParallelism(parallelism));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> l = readParts(out);
    assertThat(l).hasSize((int) KEYS);
    return l;
  }

  /**
   * The failure falls after a complete checkpoint: the readers stop at the middle of their splits
   * until one is complete, and the failure is at a random record of the second half of a split.
   */
  @ParameterizedTest(name = "{0}, parallelism {1}")
  @CsvSource({"count,1", "count,2", "sum,2", "nocombine,2"})
  void injectedFailureGivesTheFailureFreeResult(String agg, int parallelism) throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    long split = random.nextInt(parallelism);
    long from = N * split / parallelism;
    long to = N * (split + 1) / parallelism;
    long failAt = (from + to) / 2 + 1 + random.nextLong((to - from) / 2 - 1);
    String key = "agg-" + agg + parallelism + seed;
    String gate = "agg-inject-" + key;
    SeqSource.GATES.put(gate, new AtomicBoolean(false));
    SeqSource gated = source();
    gated.gate = gate;
    Path out = temp.resolve("out");
    Path ck = temp.resolve("ck");
    JobHandle h = pipeline("agg-inject", gated, key, failAt, agg, out).start(streaming(parallelism, ck));
    awaitCheckpoints(new CheckpointStorage(ck, "agg-inject"), 1);
    SeqSource.GATES.get(gate).set(true);
    JobResult r = h.await();
    assertThat(FailOnce.injected(key)).as("the failure was injected (seed %d)", seed).isTrue();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(readParts(out), batch(agg, parallelism),
        agg + " after a failure at " + failAt + " (seed " + seed + ")");
    assertThat(out.resolve("_SUCCESS")).exists();
  }

  private static void awaitCheckpoints(CheckpointStorage storage, int n) throws InterruptedException {
    StreamingTestSupport.await(n + " complete checkpoint(s)", () -> {
      try {
        return storage.ids().stream().filter(storage::hasMetadata).count() >= n;
      } catch (IOException e) {
        return false;
      }
    });
  }

  @ParameterizedTest(name = "{0}, parallelism {1} then {2}")
  @CsvSource({"count,2,1", "count,1,3", "sum,3,2"})
  void crashedJobResumesAtAnotherParallelism(String agg, int before, int after) throws Exception {
    Path out = temp.resolve("out");
    Path ck = temp.resolve("ck");
    String gate = "agg-crash-" + agg + before + after + System.nanoTime();
    SeqSource.GATES.put(gate, new AtomicBoolean(false));
    SeqSource gated = source();
    gated.gate = gate; // the first run cannot get past the middle of its splits
    JobHandle h = pipeline("agg-crash", gated, "none", -1, agg, out).start(streaming(before, ck));
    CheckpointStorage storage = new CheckpointStorage(ck, "agg-crash");
    awaitCheckpoints(storage, 2);
    h.cancel();
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    assertThat(out.resolve("_SUCCESS")).doesNotExist();

    SeqSource.GATES.get(gate).set(true);
    JobResult r = pipeline("agg-crash", gated, "none", -1, agg, out).run(streaming(after, ck));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(readParts(out), batch(agg, after), "resumed at parallelism " + after);
  }

  @ParameterizedTest(name = "{0}, parallelism {1}")
  @CsvSource({"count,2", "nocombine,1"})
  void microBatchEqualsBatch(String agg, int parallelism) {
    long seed = new Random().nextLong();
    long failAt = N / 4 + new Random(seed).nextLong(N / 2);
    String key = "agg-mb-" + agg + parallelism + seed;
    Path out = temp.resolve("out");
    RunOptions micro = RunOptions.availableNow().withParallelism(parallelism).withMaxAttempts(3)
        .withRetryBackoff(Duration.ZERO).withCheckpointing(temp.resolve("ck"), Duration.ofSeconds(1))
        .withTrigger(new RunOptions.Trigger(Duration.ZERO, true, 2_000));
    JobResult r = pipeline("agg-mb", dev.sluice.io.Sources.generator(i -> i).count(N), key, failAt, agg, out)
        .run(micro);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(FailOnce.injected(key)).as("the failure was injected (seed %d)", seed).isTrue();
    assertSameRecords(readParts(out), batch(agg, parallelism),
        "micro-batch " + agg + " after a failure at " + failAt + " (seed " + seed + ")");
  }
}
