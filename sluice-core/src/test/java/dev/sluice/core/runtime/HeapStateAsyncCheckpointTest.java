package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import dev.sluice.core.testing.FailOnce;
import dev.sluice.core.testing.Records;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * End to end through the streaming runtime: heap state mutated in place (a {@code long[]} in value
 * state, list and map state, an aggregation's array accumulator) while checkpoints every 10 ms are
 * serialized on writer threads; a failure is injected and the job restores from the latest
 * checkpoint. A write after a barrier leaking into that checkpoint's snapshot would restore counts
 * that are too high, and the output would miss or repeat records.
 */
class HeapStateAsyncCheckpointTest {
  private static final long N = 40_000;
  private static final long KEYS = 500;

  @TempDir Path temp;

  /** Emits {@code key#n} for the n-th record of a key; at the last one also its sum, list size and map size. */
  static final class Mutating extends KeyedProcessFunction<Long, Long, String> {
    private transient ValueState<long[]> count;
    private transient ListState<Long> seen;
    private transient MapState<Long, long[]> byParity;
    private transient AggregatingState<Long, Long> sum;

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(StateSpec.value("count"));
      seen = ctx.state(StateSpec.list("seen"));
      byParity = ctx.state(StateSpec.map("byParity"));
      sum = ctx.state(StateSpec.aggregating("sum", Aggregations.sumLong(x -> x)));
    }

    @Override
    public void processElement(Long value, Context<Long> ctx, Collector<String> out) throws Exception {
      long[] c = count.value();
      if (c == null) {
        c = new long[1];
      }
      c[0]++; // in place, then written back: the snapshot must keep the value at the barrier
      count.update(c);
      seen.add(value);
      long[] p = byParity.get(value % 3);
      if (p == null) {
        byParity.put(value % 3, new long[] {1});
      } else {
        p[0]++; // in place without a put: heap state sees it, a snapshot must not
      }
      sum.add(value);
      out.collect(ctx.currentKey() + "#" + c[0]);
      if (c[0] == N / KEYS) {
        int n = 0;
        for (Long ignored : seen.get()) {
          n++;
        }
        long parity = 0;
        for (long[] v : byParity.values()) {
          parity += v[0];
        }
        out.collect(ctx.currentKey() + " sum " + sum.get() + " list " + n + " parity " + parity);
      }
    }
  }

  private static List<String> expected() {
    List<String> l = new ArrayList<>();
    long per = N / KEYS;
    for (long k = 0; k < KEYS; k++) {
      long s = 0;
      for (long i = 0; i < per; i++) {
        l.add(k + "#" + (i + 1));
        s += k + i * KEYS;
      }
      l.add(k + " sum " + s + " list " + per + " parity " + per);
    }
    l.sort(null);
    return l;
  }

  @ParameterizedTest(name = "parallelism {0}")
  @CsvSource({"1", "2", "3"})
  void inPlaceMutationsAfterABarrierDoNotReachItsCheckpoint(int parallelism) {
    long seed = new Random().nextLong();
    long failAt = N / 4 + new Random(seed).nextLong(N / 2);
    String key = "heap-async-" + parallelism + "-" + seed;
    CollectSink<String> sink = new CollectSink<>();
    Pipeline p = Pipeline.create("heap-async");
    p.read(new SeqSource(N, 200, 200_000, false, true)).map(new FailOnce(key, failAt))
        .keyBy(x -> x % KEYS).process(new Mutating()).write(sink);
    JobResult r = p.run(RunOptions.streaming().withParallelism(parallelism).withMaxAttempts(3)
        .withRetryBackoff(Duration.ZERO).withCheckpointing(temp.resolve("ck"), Duration.ofMillis(10)));
    assertThat(FailOnce.injected(key)).as("the failure was injected (seed %d)", seed).isTrue();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    List<String> got = new ArrayList<>(sink.result());
    got.sort(null);
    Records.assertSameRecords(got, expected(),
        "exactly once after a failure at " + failAt + " (seed " + seed + ")");
  }
}
