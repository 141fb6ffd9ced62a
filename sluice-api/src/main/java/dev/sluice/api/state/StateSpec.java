package dev.sluice.api.state;

import dev.sluice.api.Aggregation;
import dev.sluice.api.function.ReduceFunction;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Declares a keyed state: its name (unique per operator; it names the state in checkpoints), kind,
 * and optional time-to-live. Obtain the handle with {@code ctx.state(spec)} in
 * {@link dev.sluice.api.function.KeyedProcessFunction#open}.
 *
 * @param ttl null for no expiry; otherwise a value not written for this long (processing time)
 *     reads as absent and is removed
 */
public record StateSpec<S extends State>(String name, Kind kind, ReduceFunction<?> reducer, Aggregation<?, ?, ?> aggregation, Duration ttl)
    implements Serializable {
  public enum Kind { VALUE, LIST, MAP, REDUCING, AGGREGATING }

  public StateSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("state TTL must be positive, was " + ttl);
    }
  }

  public static <T> StateSpec<ValueState<T>> value(String name) {
    return new StateSpec<>(name, Kind.VALUE, null, null, null);
  }

  public static <T> StateSpec<ListState<T>> list(String name) {
    return new StateSpec<>(name, Kind.LIST, null, null, null);
  }

  public static <K, V> StateSpec<MapState<K, V>> map(String name) {
    return new StateSpec<>(name, Kind.MAP, null, null, null);
  }

  public static <T> StateSpec<ReducingState<T>> reducing(String name, ReduceFunction<T> fn) {
    return new StateSpec<>(name, Kind.REDUCING, Objects.requireNonNull(fn, "fn"), null, null);
  }

  public static <T, A, R> StateSpec<AggregatingState<T, R>> aggregating(String name, Aggregation<T, A, R> aggregation) {
    return new StateSpec<>(name, Kind.AGGREGATING, null, Objects.requireNonNull(aggregation, "aggregation"), null);
  }

  /** The same state, expiring values not written for {@code ttl} of processing time. */
  public StateSpec<S> withTtl(Duration ttl) {
    return new StateSpec<>(name, kind, reducer, aggregation, Objects.requireNonNull(ttl, "ttl"));
  }
}
