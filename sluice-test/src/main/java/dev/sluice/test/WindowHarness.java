package dev.sluice.test;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Aggregations;
import dev.sluice.api.SideOutput;
import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.ReduceFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.api.window.Trigger;
import dev.sluice.api.window.WindowFunction;
import dev.sluice.api.window.WindowSpec;
import dev.sluice.api.window.Windowed;
import java.time.Duration;
import java.util.Objects;

/**
 * Tests a keyed window (what {@code keyBy(key).window(spec)...aggregate(agg)} runs) in the
 * engine's window operator, with a virtual clock:
 *
 * <pre>{@code
 * var h = WindowHarness.of((String s) -> s, Windows.tumbling(Duration.ofMillis(10)))
 *     .allowedLateness(Duration.ofMillis(5))
 *     .count();
 * h.processElement("a", 1).processElement("a", 3).processWatermark(9);
 * h.assertOutputValues(new Windowed<>("a", new Window(0, 10), 2L));
 * }</pre>
 *
 * <p>Configure with the builder ({@link #of}, then {@code trigger}, {@code allowedLateness},
 * {@code lateElementsTo}), finish with {@code aggregate}, {@code reduce}, {@code count} or
 * {@code process}. See {@link OperatorHarness} for reading and asserting output. Not thread-safe.
 *
 * @param <T> input type
 * @param <R> output type ({@code Windowed<K, result>} for aggregations)
 */
public final class WindowHarness<T, R> extends OperatorHarness<R, WindowHarness<T, R>> {
  private final KeySelector<? super T, ?> key;

  private WindowHarness(Op.Window op, KeySelector<? super T, ?> key) {
    super(Operators.create(Operators.WINDOW, Op.Window.class, op), Operators.factory(Operators.WINDOW, Op.Window.class, op), 0);
    this.key = key;
  }

  /** Starts describing windows of {@code spec} over the records keyed by {@code key}. */
  public static <K, T> Builder<K, T> of(KeySelector<? super T, ? extends K> key, WindowSpec spec) {
    return new Builder<>(Objects.requireNonNull(key, "key"), Objects.requireNonNull(spec, "spec"),
        Trigger.onTime(), 0, null);
  }

  /** One element with its event time. */
  public WindowHarness<T, R> processElement(T value, long timestamp) {
    step(d -> d.element(key.key(value), value, timestamp));
    return this;
  }

  /** The window description; immutable, as {@code WindowedDataset}. */
  public static final class Builder<K, T> {
    private final KeySelector<? super T, ? extends K> key;
    private final WindowSpec spec;
    private final Trigger trigger;
    private final long lateness;
    private final String lateTag;

    private Builder(KeySelector<? super T, ? extends K> key, WindowSpec spec, Trigger trigger, long lateness, String lateTag) {
      this.key = key;
      this.spec = spec;
      this.trigger = trigger;
      this.lateness = lateness;
      this.lateTag = lateTag;
    }

    public Builder<K, T> trigger(Trigger t) {
      return new Builder<>(key, spec, Objects.requireNonNull(t, "trigger"), lateness, lateTag);
    }

    public Builder<K, T> allowedLateness(Duration d) {
      long ms = d.toMillis();
      if (ms < 0) {
        throw new IllegalArgumentException("allowed lateness must not be negative, was " + d);
      }
      return new Builder<>(key, spec, trigger, ms, lateTag);
    }

    /** Late elements go to this side output (read with {@link OperatorHarness#sideOutput}). */
    public Builder<K, T> lateElementsTo(SideOutput<T> tag) {
      return new Builder<>(key, spec, trigger, lateness, Objects.requireNonNull(tag, "tag").name());
    }

    public <A, R> WindowHarness<T, Windowed<K, R>> aggregate(Aggregation<? super T, A, R> aggregation) {
      return new WindowHarness<>(new Op.Window(key, spec, trigger, lateness, lateTag,
          Objects.requireNonNull(aggregation, "aggregation"), null), key);
    }

    public WindowHarness<T, Windowed<K, T>> reduce(ReduceFunction<T> fn) {
      return aggregate(Aggregations.reducing("reduce", Objects.requireNonNull(fn, "fn")));
    }

    public WindowHarness<T, Windowed<K, Long>> count() {
      return aggregate(Aggregations.count());
    }

    public <R> WindowHarness<T, R> process(WindowFunction<? super K, T, R> fn) {
      return new WindowHarness<>(new Op.Window(key, spec, trigger, lateness, lateTag, null,
          Objects.requireNonNull(fn, "fn")), key);
    }
  }
}
