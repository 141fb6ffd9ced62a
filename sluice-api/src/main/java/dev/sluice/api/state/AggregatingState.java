package dev.sluice.api.state;

/** An accumulator per key fed by an {@link dev.sluice.api.Aggregation}; {@link #get} exports the result. */
public interface AggregatingState<T, R> extends State {
  /** The aggregation's result, null if nothing was added. */
  R get() throws Exception;

  void add(T value) throws Exception;
}
