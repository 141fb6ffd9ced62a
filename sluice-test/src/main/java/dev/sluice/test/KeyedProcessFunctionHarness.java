package dev.sluice.test;

import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.InspectableKeyedState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tests a {@link KeyedProcessFunction} in the operator that runs it in a streaming job, with a
 * virtual clock, as Flink's {@code KeyedOneInputStreamOperatorTestHarness} does:
 *
 * <pre>{@code
 * var h = KeyedProcessFunctionHarness.of(new Dedup(), (String s) -> s);
 * h.processElement("a", 10).processElement("a", 11).processWatermark(20);
 * h.assertOutputValues("a");
 * assertEquals(List.of(1010L), h.eventTimeTimers("a"));
 * assertEquals(Boolean.TRUE, h.value(Dedup.SEEN, "a"));
 * }</pre>
 *
 * <p>Keys are computed with the key selector, as the runtime's exchange does. Processing time
 * starts at 0 and moves only with {@link #setProcessingTime}/{@link #advanceProcessingTime};
 * processing-time timers fire then. State and timers are read through
 * {@link InspectableKeyedState}, which the engine's keyed operator implements. See
 * {@link OperatorHarness} for reading and asserting output. Not thread-safe.
 *
 * @param <K> key type
 * @param <I> input type
 * @param <O> output type
 */
public final class KeyedProcessFunctionHarness<K, I, O>
    extends OperatorHarness<O, KeyedProcessFunctionHarness<K, I, O>> {
  private final KeySelector<? super I, ? extends K> key;

  private KeyedProcessFunctionHarness(Op.KeyedProcess op, KeySelector<? super I, ? extends K> key) {
    super(Operators.create(Operators.KEYED_PROCESS, Op.KeyedProcess.class, op), Operators.factory(Operators.KEYED_PROCESS, Op.KeyedProcess.class, op), 0);
    this.key = key;
  }

  public static <K, I, O> KeyedProcessFunctionHarness<K, I, O> of(
      KeyedProcessFunction<K, I, O> fn, KeySelector<? super I, ? extends K> key) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(key, "key");
    return new KeyedProcessFunctionHarness<>(new Op.KeyedProcess(key, fn), key);
  }

  /** One element with its event time ({@link Long#MIN_VALUE} for none). */
  public KeyedProcessFunctionHarness<K, I, O> processElement(I value, long timestamp) {
    step(d -> d.element(key.key(value), value, timestamp));
    return this;
  }

  // ---- state ----

  /** The value of a value state for {@code k}; null if unset. */
  @SuppressWarnings("unchecked")
  public <T> T value(StateSpec<ValueState<T>> spec, K k) {
    return (T) state(spec, k);
  }

  /** The elements of a list state for {@code k}; empty if unset. */
  @SuppressWarnings("unchecked")
  public <T> List<T> list(StateSpec<ListState<T>> spec, K k) {
    Object v = state(spec, k);
    return v == null ? List.of() : (List<T>) v;
  }

  /** The entries of a map state for {@code k}; empty if unset. */
  @SuppressWarnings("unchecked")
  public <MK, MV> Map<MK, MV> map(StateSpec<MapState<MK, MV>> spec, K k) {
    Object v = state(spec, k);
    return v == null ? Map.of() : (Map<MK, MV>) v;
  }

  /**
   * Any state's value for {@code k} as {@link InspectableKeyedState#stateValue} describes it
   * (reducing and aggregating state: the current result); null if unset.
   */
  public Object state(StateSpec<?> spec, K k) {
    return inspectable().stateValue(spec.name(), k);
  }

  // ---- timers ----

  /** Event-time timers of {@code k} not fired yet, ascending. */
  public List<Long> eventTimeTimers(K k) {
    return timers(k, TimeDomain.EVENT_TIME);
  }

  /** Processing-time timers of {@code k} not fired yet, ascending. */
  public List<Long> processingTimeTimers(K k) {
    return timers(k, TimeDomain.PROCESSING_TIME);
  }

  /** All pending timers of all keys. */
  public List<InspectableKeyedState.PendingTimer> pendingTimers() {
    return inspectable().pendingTimers();
  }

  private List<Long> timers(K k, TimeDomain domain) {
    List<Long> out = new ArrayList<>();
    for (InspectableKeyedState.PendingTimer t : inspectable().pendingTimers()) {
      if (t.domain() == domain && Objects.equals(t.key(), k)) {
        out.add(t.time());
      }
    }
    out.sort(null);
    return out;
  }

  private InspectableKeyedState inspectable() {
    if (operator() instanceof InspectableKeyedState s) {
      return s;
    }
    throw new UnsupportedOperationException(operator().getClass().getName()
        + " does not expose its state and timers (it must implement " + InspectableKeyedState.class.getName() + ")");
  }
}
