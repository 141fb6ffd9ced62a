package dev.sluice.core.io;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.PrintStream;
import java.util.List;

/**
 * Prints each record's {@code toString()} to {@code System.out} as it arrives, one whole line at a
 * time (lines of different tasks interleave, never mix). Not staged: a retried task prints again.
 */
public final class ConsoleSink<T> implements Sink<T> {
  @Override
  public SinkWriter<T> writer(WriterContext context) {
    return new SinkWriter<>() {
      @Override
      public void write(T record) {
        String line = String.valueOf(record);
        PrintStream out = System.out;
        synchronized (out) {
          out.println(line);
        }
      }

      @Override
      public Object prepareCommit() {
        System.out.flush();
        return null;
      }

      @Override
      public Object prepareCommit(long checkpointId) {
        System.out.flush();
        return null;
      }

      @Override
      public void abort() {}
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
    return "console";
  }
}
