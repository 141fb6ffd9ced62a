package dev.sluice.api.internal;

import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Gathers a dataset into a list in the caller's JVM. Each task attempt buffers its records; the
 * commit appends the buffers in partition order. With checkpoints each checkpoint's buffers are one
 * committable chunk per partition, appended when the checkpoint completes; chunks carry a unique id,
 * so a commit repeated after a restart adds nothing twice. Not part of the public API.
 */
public final class CollectSink<T> implements Sink<T> {
  private transient volatile List<T> result;
  private transient List<T> all;
  private transient Set<String> committed;

  /**
   * One partition's records of one checkpoint (or of the end of input).
   *
   * @param id unique, for idempotent commits
   */
  public record Chunk(String id, int partition, ArrayList<Object> records) {}

  @Override
  public SinkWriter<T> writer(WriterContext context) {
    return new SinkWriter<>() {
      private ArrayList<Object> buffer = new ArrayList<>();

      @Override public void write(T record) { buffer.add(record); }

      @Override
      public Object prepareCommit() {
        return seal();
      }

      @Override
      public Object prepareCommit(long checkpointId) {
        return buffer.isEmpty() ? null : seal();
      }

      private Chunk seal() {
        Chunk c = new Chunk(UUID.randomUUID().toString(), context.partition(), buffer);
        buffer = new ArrayList<>();
        return c;
      }

      @Override public void abort() { buffer.clear(); }
    };
  }

  /** A new run (not a resumed one) starts from an empty result. */
  @Override
  public synchronized void open(int parallelism) {
    all = null;
    committed = null;
    result = null;
  }

  @Override
  public boolean supportsCheckpoints() {
    return true;
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized void commit(List<Object> committables) {
    if (all == null) {
      all = new ArrayList<>();
      committed = new HashSet<>();
    }
    for (Object c : committables) {
      if (c instanceof Chunk chunk && committed.add(chunk.id())) {
        all.addAll((List<T>) (List<?>) chunk.records());
      }
    }
    result = Collections.unmodifiableList(new ArrayList<>(all));
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
