package dev.sluice.api;

import dev.sluice.api.function.ReduceFunction;
import dev.sluice.api.function.SerializableComparator;
import dev.sluice.api.function.ToDoubleFunction;
import dev.sluice.api.function.ToLongFunction;
import java.io.Serializable;
import java.util.Objects;

/** Built-in aggregations. Counting and summing use mutable primitive accumulators: no boxing per record. */
public final class Aggregations {
  private Aggregations() {}

  /** Creates an accumulator; serializable so it travels with the plan. */
  @FunctionalInterface
  public interface Create<A> extends Serializable {
    A create();
  }

  @FunctionalInterface
  public interface Accumulate<A, T> extends Serializable {
    A accumulate(A acc, T value) throws Exception;
  }

  @FunctionalInterface
  public interface Combine<A> extends Serializable {
    A combine(A a, A b) throws Exception;
  }

  @FunctionalInterface
  public interface Export<A, R> extends Serializable {
    R export(A acc) throws Exception;
  }

  /** Removes {@code b}'s contribution from {@code a}: the inverse of combine ({@link Aggregation#deduct}). */
  @FunctionalInterface
  public interface Deduct<A> extends Serializable {
    A deduct(A a, A b) throws Exception;
  }

  /** An aggregation from its four functions; {@code combine} may be null (no map-side combine). */
  public static <T, A, R> Aggregation<T, A, R> of(
      String name, Create<A> create, Accumulate<A, T> accumulate, Combine<A> combine, Export<A, R> export) {
    return of(name, create, accumulate, combine, null, export);
  }

  /**
   * An aggregation that can also {@code deduct} (may be null), so sliding windows slide a running
   * result instead of recombining their panes. Deduct must be exact: {@code deduct(combine(a, b), b)}
   * equals {@code a} (true for counts and integer sums, not for floating-point sums, min or max).
   */
  public static <T, A, R> Aggregation<T, A, R> of(String name, Create<A> create, Accumulate<A, T> accumulate,
      Combine<A> combine, Deduct<A> deduct, Export<A, R> export) {
    Objects.requireNonNull(create, "create");
    if (deduct != null && combine == null) {
      throw new IllegalArgumentException("aggregation '" + name + "' has deduct but no combine function");
    }
    Objects.requireNonNull(accumulate, "accumulate");
    Objects.requireNonNull(export, "export");
    return new Aggregation<>() {
      @Override public A create() { return create.create(); }
      @Override public A accumulate(A acc, T value) throws Exception { return accumulate.accumulate(acc, value); }
      @Override public A combine(A a, A b) throws Exception {
        if (combine == null) {
          throw new UnsupportedOperationException("aggregation '" + name + "' has no combine function");
        }
        return combine.combine(a, b);
      }
      @Override public R export(A acc) throws Exception { return export.export(acc); }
      @Override public A deduct(A a, A b) throws Exception {
        if (deduct == null) {
          throw new UnsupportedOperationException("aggregation '" + name + "' cannot deduct");
        }
        return deduct.deduct(a, b);
      }
      @Override public boolean canDeduct() { return deduct != null; }
      @Override public boolean canCombine() { return combine != null; }
      @Override public String name() { return name; }
    };
  }

  /** Counts records; can deduct (exact), so sliding-window counts slide in O(1) per pane. */
  public static <T> Aggregation<T, long[], Long> count() {
    return of("count", () -> new long[1], (a, v) -> { a[0]++; return a; },
        (a, b) -> { a[0] += b[0]; return a; }, (a, b) -> { a[0] -= b[0]; return a; }, a -> a[0]);
  }

  /** Sums longs (wrapping on overflow, so deduct stays exact). */
  public static <T> Aggregation<T, long[], Long> sumLong(ToLongFunction<? super T> fn) {
    return of("sum", () -> new long[1], (a, v) -> { a[0] += fn.applyAsLong(v); return a; },
        (a, b) -> { a[0] += b[0]; return a; }, (a, b) -> { a[0] -= b[0]; return a; }, a -> a[0]);
  }

  /** Sums doubles. Cannot deduct: floating-point subtraction does not undo addition exactly. */
  public static <T> Aggregation<T, double[], Double> sumDouble(ToDoubleFunction<? super T> fn) {
    return of("sum", () -> new double[1], (a, v) -> { a[0] += fn.applyAsDouble(v); return a; },
        (a, b) -> { a[0] += b[0]; return a; }, a -> a[0]);
  }

  /** Mean of the extracted values; accumulator is {sum, count}. */
  public static <T> Aggregation<T, double[], Double> average(ToDoubleFunction<? super T> fn) {
    return of("average", () -> new double[2],
        (a, v) -> { a[0] += fn.applyAsDouble(v); a[1]++; return a; },
        (a, b) -> { a[0] += b[0]; a[1] += b[1]; return a; },
        a -> a[1] == 0 ? Double.NaN : a[0] / a[1]);
  }

  /** Reduces values pairwise; the accumulator is a one-element holder so null inputs stay distinct from "empty". */
  public static <T> Aggregation<T, Object[], T> reducing(String name, ReduceFunction<T> fn) {
    return of(name, () -> new Object[] {Holder.EMPTY},
        (a, v) -> {
          a[0] = a[0] == Holder.EMPTY ? v : fn.reduce(cast(a[0]), v);
          return a;
        },
        (a, b) -> {
          if (b[0] != Holder.EMPTY) {
            a[0] = a[0] == Holder.EMPTY ? b[0] : fn.reduce(cast(a[0]), cast(b[0]));
          }
          return a;
        },
        a -> cast(a[0]));
  }

  public static <T> Aggregation<T, Object[], T> min(SerializableComparator<? super T> cmp) {
    return reducing("min", (a, b) -> cmp.compare(b, a) < 0 ? b : a);
  }

  public static <T> Aggregation<T, Object[], T> max(SerializableComparator<? super T> cmp) {
    return reducing("max", (a, b) -> cmp.compare(b, a) > 0 ? b : a);
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  /** Marker for an empty reducing accumulator; an enum so it survives serialization as the same instance. */
  public enum Holder { EMPTY }
}
