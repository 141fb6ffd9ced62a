package dev.sluice.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.WatermarkStrategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A keyed process function over every state kind and event-time timers, run end to end on both backends. */
class RocksDbPipelineTest {
  @TempDir
  Path tmp;

  /** A user type held in state: the job's serializer writes it to RocksDB. */
  record Reading(int sensor, long ts, long value) {}

  /**
   * Per sensor and 100 ms bucket, when the watermark closes the bucket: its readings' count and sum,
   * the running sum and count of closed buckets, and the previous bucket's last reading. Only closed
   * buckets are reported, so the output does not depend on when watermarks arrive.
   */
  static final class BucketReport extends KeyedProcessFunction<Integer, Reading, String> {
    private transient ValueState<Reading> last;
    private transient ListState<Reading> readings;
    private transient MapState<Long, Integer> perBucket;
    private transient ReducingState<Long> sum;
    private transient AggregatingState<Object, Long> count;

    @Override
    public void open(InitContext ctx) {
      last = ctx.state(StateSpec.value("last"));
      readings = ctx.state(StateSpec.list("readings"));
      perBucket = ctx.state(StateSpec.map("perBucket"));
      sum = ctx.state(StateSpec.reducing("sum", Long::sum));
      count = ctx.state(StateSpec.aggregating("count", Aggregations.count()));
    }

    @Override
    public void processElement(Reading r, Context<Integer> ctx, Collector<String> out) {
      readings.add(r);
      long bucket = r.ts() / 100;
      Integer n = perBucket.get(bucket);
      perBucket.put(bucket, n == null ? 1 : n + 1);
      ctx.timers().registerEventTimeTimer(bucket * 100 + 99);
    }

    @Override
    public void onTimer(long time, TimerContext<Integer> ctx, Collector<String> out) throws Exception {
      long bucket = time / 100;
      long bucketSum = 0;
      Reading newest = null;
      List<Reading> keep = new ArrayList<>();
      for (Reading r : readings.get()) {
        if (r.ts() / 100 == bucket) {
          bucketSum += r.value();
          count.add(r);
          if (newest == null || r.ts() > newest.ts() || (r.ts() == newest.ts() && r.value() > newest.value())) {
            newest = r;
          }
        } else {
          keep.add(r);
        }
      }
      readings.update(keep);
      sum.add(bucketSum);
      Reading previous = last.value();
      last.update(newest);
      Integer inBucket = perBucket.get(bucket);
      perBucket.remove(bucket);
      out.collect(ctx.currentKey() + "@" + time + " n=" + inBucket + " bucketSum=" + bucketSum + " sum=" + sum.get()
          + " count=" + count.get() + " previous=" + previous);
    }
  }

  private static List<Reading> input(long seed, int n) {
    Random rnd = new Random(seed);
    List<Reading> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long ts = i * 3L + rnd.nextInt(40); // out of order within 40 ms
      out.add(new Reading(rnd.nextInt(40), ts, rnd.nextInt(1000)));
    }
    return out;
  }

  private List<String> run(String backend, int parallelism, List<Reading> in) {
    return Pipeline.create("buckets-" + backend).fromCollection(in)
        .withTimestamps(Reading::ts, WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(50)))
        .keyBy(Reading::sensor).process(new BucketReport())
        .collect(RunOptions.streaming().withParallelism(parallelism).withStateBackend(backend).withTempDir(tmp));
  }

  @Test
  void rocksDbRunEqualsHeapRun() throws Exception {
    List<Reading> in = input(20261130L, 3000);
    List<String> heap = run("heap", 2, in);
    assertThat(heap).hasSizeGreaterThan(500);
    for (int parallelism : new int[] {1, 2}) {
      List<String> rocks = run("rocksdb", parallelism, in);
      assertThat(rocks).as("parallelism %s", parallelism).containsExactlyInAnyOrderElementsOf(heap);
    }
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).as("the job's temp directory and the RocksDB instances are removed").isEmpty();
    }
  }
}
