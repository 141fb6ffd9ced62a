package dev.sluice.api.sink;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes one task attempt's records. Used by one thread; not thread-safe.
 *
 * <p>Lifecycle without checkpoints: {@link #write}*, then {@link #prepareCommit()} at the end of input
 * (or {@link #abort()} on failure), then {@link #close}. With checkpoints
 * ({@link WriterContext#checkpointing()}, only for sinks whose {@link Sink#supportsCheckpoints()}):
 * {@link #prepareCommit(long)} is called at every checkpoint, between writes; it seals what was
 * written since the previous checkpoint as one committable and the writer then goes on writing into
 * a fresh staged output. The committable is made visible by {@link Sink#commit} only once the
 * checkpoint is complete; if the job fails before that, the job restarts from an earlier checkpoint
 * and the staged output is discarded (by {@link Sink#recover}). At the end of input
 * {@link #prepareCommit()} seals the rest as the last committable.
 */
public interface SinkWriter<T> extends Closeable {
  void write(T record) throws IOException;

  /**
   * Finishes writing and returns what {@link Sink#commit} needs to publish this partition's output
   * (the output since the last checkpoint, with checkpoints). May return null for nothing to commit.
   */
  Object prepareCommit() throws IOException;

  /**
   * Checkpoint {@code checkpointId} has reached this writer: seals everything written since the
   * previous checkpoint (durably: it must survive a process crash) and returns its committable, or
   * null if nothing was written; then keeps accepting writes into a fresh staged output. The
   * committable is serialized into the checkpoint, so it must be serializable by the job's codec
   * (records, strings, lists of registered types). The default refuses: a writer that stages all of
   * its output until the end cannot be checkpointed.
   */
  default Object prepareCommit(long checkpointId) throws IOException {
    throw new UnsupportedOperationException(getClass().getName() + " cannot commit at checkpoints");
  }

  /** Discards this attempt's staged output. Called instead of prepareCommit when the attempt failed. */
  void abort();

  @Override
  default void close() throws IOException {}
}
