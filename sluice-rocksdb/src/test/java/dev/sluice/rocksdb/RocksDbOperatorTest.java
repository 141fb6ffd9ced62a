package dev.sluice.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.InspectableKeyedState;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.keyed.KeyedProcessOperator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KeyedProcessOperator} on the RocksDB backend through {@link OperatorDriver} with a virtual
 * clock: TTL (read expiry and the periodic sweep), processing-time and event-time timers give the
 * same output and state as on the heap.
 */
class RocksDbOperatorTest {
  @TempDir
  Path tmp;

  /** Remembers values for 100 ms of processing time; reports at timers. */
  static final class Remember extends KeyedProcessFunction<Object, String, String> {
    private transient ValueState<String> last;
    private transient ListState<String> all;

    @Override
    public void open(InitContext ctx) {
      last = ctx.state(StateSpec.<String>value("last").withTtl(Duration.ofMillis(100)));
      all = ctx.state(StateSpec.<String>list("all").withTtl(Duration.ofMillis(100)));
    }

    @Override
    public void processElement(String v, Context<Object> ctx, Collector<String> out) {
      out.collect(ctx.currentKey() + " had " + last.value() + " " + all.get());
      last.update(v);
      all.add(v);
      ctx.timers().registerProcessingTimeTimer(ctx.timers().currentProcessingTime() + 60);
      ctx.timers().registerEventTimeTimer(ctx.timestamp() + 10);
    }

    @Override
    public void onTimer(long time, TimerContext<Object> ctx, Collector<String> out) {
      out.collect(ctx.timeDomain() + " " + ctx.currentKey() + "@" + time + " " + last.value() + " " + all.get());
    }
  }

  private List<String> script(boolean rocks) throws Exception {
    return script(rocks, -1);
  }

  /**
   * The script; at step {@code restoreAt} (if not -1) the operator's snapshot goes through the
   * job's serializer into a fresh operator (on the other backend when {@code rocks} says so).
   */
  private List<String> script(boolean rocks, int restoreAt) throws Exception {
    Serde serde = new Serde(Map.of(), Set.of());
    KeyedProcessOperator op = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new Remember()));
    OperatorDriver d = new OperatorDriver(op);
    if (rocks) {
      d.stateBackend(new RocksDbStateBackendFactory(), serde, tmp);
    }
    String[] keys = {"a", "b", "c"};
    for (int i = 0; i < 40; i++) {
      if (i == restoreAt) {
        Object snap = serde.fromBytes(serde.toBytes(d.snapshot(1)));
        op = new KeyedProcessOperator(new Op.KeyedProcess(x -> x, new Remember()));
        d.restore(op, List.of(snap));
        d.advanceProcessingTimeBy(0);
      }
      d.element(keys[i % 3], "v" + i, i * 7L);
      if (i % 4 == 3) {
        d.watermark(i * 7L - 5);
      }
      d.advanceProcessingTimeBy(i % 5 == 0 ? 90 : 15);
    }
    List<String> out = new java.util.ArrayList<>();
    for (OperatorDriver.Emitted e : d.output()) {
      out.add(e.value() + " @" + e.timestamp());
    }
    for (String k : keys) {
      out.add(k + " state " + op.stateValue("last", k) + " " + op.stateValue("all", k));
    }
    for (InspectableKeyedState.PendingTimer t : op.pendingTimers()) {
      out.add("pending " + t);
    }
    d.advanceProcessingTimeBy(1000); // the sweep removes everything
    out.add("sweep " + op.backend().size("last") + " " + op.backend().size("all"));
    d.endInput(1);
    d.close();
    return out;
  }

  @Test
  void operatorSnapshotsRestoreOnRocksDb() throws Exception {
    List<String> heap = script(false);
    for (int at : new int[] {7, 22}) {
      assertThat(script(true, at)).as("restored at step %s", at).isEqualTo(heap);
    }
  }

  @Test
  void rocksDbOperatorBehavesAsOnTheHeap() throws Exception {
    List<String> heap = script(false);
    assertThat(heap).contains("sweep 0 0");
    assertThat(script(true)).isEqualTo(heap);
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).as("closing the operator removes its RocksDB directory").isEmpty();
    }
  }
}
