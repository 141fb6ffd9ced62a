package dev.sluice.api.sink;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Where records go. One contract for every sink, modelled on Flink's Sink V2: each task writes
 * through its own {@link SinkWriter}, which stages its output and hands back a committable; only when
 * the whole job has succeeded does {@link #commit} make the output visible. A failed task attempt's
 * writer is aborted and its staged output discarded, so retries never duplicate output.
 *
 * <p>{@link #open}, {@link #commit} and {@link #abort} are called on the coordinating thread; writers
 * on one task thread each.
 */
public interface Sink<T> extends Serializable {

  /**
   * Checks and prepares the destination before anything runs, e.g. refuses an existing output
   * directory. Throw {@link IllegalArgumentException} for bad usage the user must fix.
   */
  default void open(int parallelism) throws IOException {}

  /** Creates the writer for one task attempt. */
  SinkWriter<T> writer(WriterContext context) throws IOException;

  /**
   * Makes the committables of all partitions visible, in partition order. Called once, after every
   * task succeeded. Must be idempotent: it may be repeated after a crash.
   */
  void commit(List<Object> committables) throws IOException;

  /** Discards everything staged; called when the job fails. Must not throw. */
  default void abort() {}

  /** A short name for plans, e.g. {@code files(out/)}. */
  default String name() {
    return getClass().getSimpleName();
  }
}
