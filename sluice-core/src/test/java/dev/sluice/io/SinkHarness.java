package dev.sluice.io;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Drives a sink through its contract the way the runtime does. */
final class SinkHarness {
  private SinkHarness() {}

  /** open, one successful writer per partition, then commit; returns the committables. */
  static <T> List<Object> run(Sink<T> sink, List<List<T>> partitions) throws IOException {
    sink.open(partitions.size());
    List<Object> committables = writeAll(sink, partitions);
    sink.commit(committables);
    return committables;
  }

  static <T> List<Object> writeAll(Sink<T> sink, List<List<T>> partitions) throws IOException {
    List<Object> committables = new ArrayList<>();
    for (int p = 0; p < partitions.size(); p++) {
      committables.add(write(sink, p, partitions.size(), 0, partitions.get(p)));
    }
    return committables;
  }

  static <T> Object write(Sink<T> sink, int partition, int parallelism, int attempt, List<T> records)
      throws IOException {
    try (SinkWriter<T> writer = sink.writer(new WriterContext(partition, parallelism, attempt))) {
      for (T r : records) {
        writer.write(r);
      }
      return writer.prepareCommit();
    }
  }
}
