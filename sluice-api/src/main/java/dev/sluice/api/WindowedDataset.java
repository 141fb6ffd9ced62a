package dev.sluice.api;

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
 * A keyed dataset cut into windows ({@link KeyedDataset#window}). Immutable: the {@code with}-style
 * methods return a new handle; {@code reduce}, {@code aggregate}, {@code count} and {@code process}
 * append the window operator to the pipeline.
 *
 * <p>Elements that arrive after their window has fired and the allowed lateness has passed are late:
 * they go to the side output named by {@link #lateElementsTo}, or, without one, are counted in the
 * job's metrics ({@code lateDropped}) and logged. They are never dropped silently.
 */
public final class WindowedDataset<K, T> {
  private final KeyedDataset<K, T> input;
  private final WindowSpec spec;
  private final Trigger trigger;
  private final long allowedLatenessMs;
  private final SideOutput<T> lateTag;

  WindowedDataset(KeyedDataset<K, T> input, WindowSpec spec, Trigger trigger, long allowedLatenessMs, SideOutput<T> lateTag) {
    this.input = Objects.requireNonNull(input, "input");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.trigger = Objects.requireNonNull(trigger, "trigger");
    if (allowedLatenessMs < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, was " + allowedLatenessMs + " ms");
    }
    this.allowedLatenessMs = allowedLatenessMs;
    this.lateTag = lateTag;
  }

  /** Keeps window state this long after the window's end; late elements within it update the result. */
  public WindowedDataset<K, T> allowedLateness(Duration lateness) {
    return new WindowedDataset<>(input, spec, trigger, lateness.toMillis(), lateTag);
  }

  public WindowedDataset<K, T> trigger(Trigger t) {
    return new WindowedDataset<>(input, spec, t, allowedLatenessMs, lateTag);
  }

  /** Sends late elements to this side output; read it with {@link Dataset#sideOutput} on the result. */
  public WindowedDataset<K, T> lateElementsTo(SideOutput<T> tag) {
    return new WindowedDataset<>(input, spec, trigger, allowedLatenessMs, Objects.requireNonNull(tag, "tag"));
  }

  /**
   * Aggregates each window incrementally. Sliding windows share work: with {@code combine} the
   * elements are aggregated once per slide (pane) and panes combined; with {@code deduct} the
   * running result is slid by deducting the pane that leaves.
   */
  public <A, R> Dataset<Windowed<K, R>> aggregate(Aggregation<? super T, A, R> aggregation) {
    Objects.requireNonNull(aggregation, "aggregation");
    return append("window(" + aggregation.name() + ")", aggregation, null);
  }

  public Dataset<Windowed<K, T>> reduce(ReduceFunction<T> fn) {
    return aggregate(Aggregations.reducing("reduce", Objects.requireNonNull(fn, "fn")));
  }

  public Dataset<Windowed<K, Long>> count() {
    return aggregate(Aggregations.count());
  }

  /** Calls {@code fn} with all elements of a window when it fires. */
  public <R> Dataset<R> process(WindowFunction<? super K, T, R> fn) {
    Objects.requireNonNull(fn, "fn");
    return append("window(process)", null, fn);
  }

  public WindowSpec spec() {
    return spec;
  }

  private <R> Dataset<R> append(String name, Aggregation<?, ?, ?> aggregation, WindowFunction<?, ?, ?> fn) {
    KeySelector<?, ?> key = input.keySelector();
    Op.Window op = new Op.Window(key, spec, trigger, allowedLatenessMs, lateTag == null ? null : lateTag.name(), aggregation, fn);
    return input.append(name, op);
  }
}
