package dev.sluice.core.runtime;

import dev.sluice.api.function.Collector;
import dev.sluice.api.function.FilterFunction;
import dev.sluice.api.function.FlatMapFunction;
import dev.sluice.api.function.MapFunction;

/**
 * The operators that hold no state: pass-through, map, filter, flatMap. Each forwards through its
 * own {@code down.collect} call rather than the shared {@link Node#emit}, so that every call site
 * sees one receiver type in a given pipeline and the JIT can inline the whole fused chain.
 */
final class StatelessNodes {
  private StatelessNodes() {}

  /** Read, union, rebalance and dead-letter outputs: counts and forwards. */
  static final class Pass extends Node {
    Pass(int id, String name) {
      super(id, name);
    }

    @Override
    public void collect(Object record) {
      in++;
      out++;
      down.collect(record);
    }
  }

  static final class Map extends Node {
    private final MapFunction<Object, Object> fn;

    @SuppressWarnings("unchecked")
    Map(int id, String name, MapFunction<?, ?> fn) {
      super(id, name);
      this.fn = (MapFunction<Object, Object>) fn;
    }

    @Override
    public void collect(Object record) {
      in++;
      Object r;
      try {
        r = fn.apply(record);
      } catch (Exception e) {
        throw userError(e);
      }
      out++;
      down.collect(r);
    }
  }

  static final class Filter extends Node {
    private final FilterFunction<Object> fn;

    @SuppressWarnings("unchecked")
    Filter(int id, String name, FilterFunction<?> fn) {
      super(id, name);
      this.fn = (FilterFunction<Object>) fn;
    }

    @Override
    public void collect(Object record) {
      in++;
      boolean keep;
      try {
        keep = fn.test(record);
      } catch (Exception e) {
        throw userError(e);
      }
      if (keep) {
        out++;
        down.collect(record);
      }
    }
  }

  static final class FlatMap extends Node implements Collector<Object> {
    private final FlatMapFunction<Object, Object> fn;
    private final Collector<Object> emitter = new Collector<>() {
      @Override
      public void collect(Object record) {
        out++;
        down.collect(record);
      }
    };

    @SuppressWarnings("unchecked")
    FlatMap(int id, String name, FlatMapFunction<?, ?> fn) {
      super(id, name);
      this.fn = (FlatMapFunction<Object, Object>) fn;
    }

    @Override
    public void collect(Object record) {
      in++;
      try {
        fn.flatMap(record, emitter);
      } catch (RuntimeException e) {
        if (e instanceof UserFunctionException) {
          throw e;
        }
        throw userError(e);
      } catch (Exception e) {
        throw userError(e);
      }
    }
  }
}
