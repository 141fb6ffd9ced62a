package dev.sluice.examples.nexmark;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.util.List;

/** Counts and drops its records: the sink of benchmark runs, so they measure the query, not the disk. */
public final class DiscardingSink<T> implements Sink<T> {
  private final EventCounter counter;

  /** Counts written records into {@code counter} as they arrive (null: count nothing). */
  public DiscardingSink(EventCounter counter) {
    this.counter = counter;
  }

  @Override
  public SinkWriter<T> writer(WriterContext context) {
    return new SinkWriter<>() {
      private long n;

      @Override
      public void write(T record) {
        if (++n == 1024) {
          flush();
        }
      }

      private void flush() {
        if (counter != null) {
          counter.add(n);
        }
        n = 0;
      }

      @Override
      public Object prepareCommit() {
        flush();
        return null;
      }

      @Override
      public Object prepareCommit(long checkpointId) {
        return null;
      }

      @Override
      public void abort() {
        flush();
      }
    };
  }

  /** Checkpoints are allowed: nothing is staged, so after a restart output may repeat (at least once). */
  @Override
  public boolean supportsCheckpoints() {
    return true;
  }

  @Override
  public void commit(List<Object> committables) {}

  @Override
  public String name() {
    return "discard";
  }
}
