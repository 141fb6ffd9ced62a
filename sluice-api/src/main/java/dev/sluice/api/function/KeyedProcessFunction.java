package dev.sluice.api.function;

import dev.sluice.api.SideOutput;
import dev.sluice.api.state.State;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.TimerService;
import dev.sluice.api.time.TimeDomain;
import java.io.Serializable;

/**
 * Per-key processing with keyed state and timers ({@code KeyedDataset.process}), as in Flink. State
 * handles are created in {@link #open} and then always refer to the key of the record or timer being
 * processed. One instance per task; called from the task's thread only.
 */
public abstract class KeyedProcessFunction<K, I, O> implements Serializable {

  /** Given to {@link #open}: where state handles come from. */
  public interface InitContext {
    <S extends State> S state(StateSpec<S> spec);

    /** The task's index and the number of key groups keys are mapped to. */
    int partition();
  }

  /** What {@link #processElement} can see besides the record. Valid only during the call. */
  public interface Context<K> {
    K currentKey();

    /** The record's (or timer's) event timestamp, {@link Long#MIN_VALUE} if none. */
    long timestamp();

    TimerService timers();

    <X> void output(SideOutput<X> tag, X value);
  }

  /** What {@link #onTimer} can see. */
  public interface TimerContext<K> extends Context<K> {
    TimeDomain timeDomain();
  }

  public void open(InitContext ctx) throws Exception {}

  public abstract void processElement(I value, Context<K> ctx, Collector<O> out) throws Exception;

  /** A timer registered for {@code ctx.currentKey()} fired; emitted records carry {@code timestamp}. */
  public void onTimer(long timestamp, TimerContext<K> ctx, Collector<O> out) throws Exception {}

  public void close() throws Exception {}
}
