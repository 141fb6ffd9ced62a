package dev.sluice.bench;

import dev.sluice.api.Aggregations;
import dev.sluice.api.plan.Op;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.window.WindowOperator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * NEXMark q5's window ("hot items": bids per auction in sliding windows of {@code sizeMs} every
 * {@code slideMs}) on the {@link WindowOperator} alone: one thread, the key already extracted,
 * bids at {@code eventsPerMs} per event-time ms over {@code auctions} auctions, a watermark every
 * event-time ms. Scores are per event (so events/s = 1 / score); the target is 2M events/s per
 * core. {@code count} can deduct (running accumulator slid over panes); {@code countNoDeduct}
 * combines the panes of every window at firing time.
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar jmh WindowOperatorBench -f 1 -wi 3 -i 5 -w 2s -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WindowOperatorBench {
  private static final int BATCH = 8192;

  @Param({"10000"})
  int auctions;

  @Param({"10000"})
  long sizeMs;

  @Param({"2000"})
  long slideMs;

  @Param({"10"})
  int eventsPerMs;

  @Param({"count", "countNoDeduct"})
  String aggregation;

  private WindowOperator operator;
  private Long[] keys;
  private long ts;
  private int inMs;
  private int next;
  long emitted;

  @Setup
  public void setup() throws Exception {
    var agg = aggregation.equals("count") ? Aggregations.count()
        : Aggregations.of("count", () -> new long[1], (long[] a, Object v) -> { a[0]++; return a; },
            (a, b) -> { a[0] += b[0]; return a; }, a -> a[0]);
    WindowSpec spec = new WindowSpec(WindowSpec.Kind.SLIDING, sizeMs, slideMs, 0, 0, TimeDomain.EVENT_TIME);
    operator = new WindowOperator(new Op.Window(null, spec, Trigger.onTime(), 0, null, agg, null));
    operator.open(new Sink());
    Random rnd = new Random(42);
    keys = new Long[1 << 16];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = (long) rnd.nextInt(auctions);    // boxed once: the runtime hands the operator its key object
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long bids() throws Exception {
    WindowOperator op = operator;
    Long[] k = keys;
    for (int i = 0; i < BATCH; i++) {
      op.processElement(0, k[next++ & (k.length - 1)], k, ts);
      if (++inMs == eventsPerMs) {
        inMs = 0;
        op.processWatermark(ts);
        ts++;
      }
    }
    return emitted;
  }

  private final class Sink implements OperatorContext, Output {
    @Override public Output output() { return this; }
    @Override public long currentProcessingTime() { return 0; }
    @Override public void requestProcessingTime(long time) {}
    @Override public int partition() { return 0; }
    @Override public int parallelism() { return 1; }
    @Override public int maxKeyGroups() { return 128; }
    @Override public String name() { return "window"; }
    @Override public void countLateDropped(Object element, long timestamp) {}
    @Override public void emit(Object value, long timestamp) { emitted++; }
    @Override public void emitSide(String tag, Object value, long timestamp) {}
    @Override public void emitWatermark(long watermark) {}
  }
}
