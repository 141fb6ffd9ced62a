package dev.sluice.api.internal;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Gathers a dataset into a list in the caller's JVM. Each task attempt buffers its records; the
 * commit concatenates the buffers in partition order. Not part of the public API.
 */
public final class CollectSink<T> implements Sink<T> {
  private transient volatile List<T> result;

  @Override
  public SinkWriter<T> writer(WriterContext context) {
    return new SinkWriter<>() {
      private final List<T> buffer = new ArrayList<>();

      @Override public void write(T record) { buffer.add(record); }

      @Override public Object prepareCommit() { return buffer; }

      @Override public void abort() { buffer.clear(); }
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public void commit(List<Object> committables) {
    List<T> all = new ArrayList<>();
    for (Object c : committables) {
      all.addAll((List<T>) c);
    }
    result = Collections.unmodifiableList(all);
  }

  /** The collected records; null before the job committed. */
  public List<T> result() {
    return result;
  }

  @Override
  public String name() {
    return "collect";
  }
}
