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
   * task succeeded; with checkpoints, once per complete checkpoint (with that checkpoint's
   * committables) and once at the end. Must be idempotent: it may be repeated after a crash.
   */
  void commit(List<Object> committables) throws IOException;

  /**
   * Whether this sink's writers implement {@link SinkWriter#prepareCommit(long)}, so the sink can be
   * used in a job with checkpoints. A job with checkpoints refuses, before it starts, a sink that
   * does not. Exactly once end to end needs {@link #commit} to be idempotent and writers that stage
   * output until the commit.
   */
  default boolean supportsCheckpoints() {
    return false;
  }

  /**
   * Called instead of {@link #open} when a job with checkpoints resumes from a checkpoint (after a
   * task failure, or in a new process): makes the committables of that checkpoint visible (again:
   * {@link #commit} may already have run for them, so this must be idempotent) and discards staged
   * output of later checkpoints that never completed. The default commits them.
   */
  default void recover(int parallelism, List<Object> committables) throws IOException {
    commit(committables);
  }

  /**
   * Discards everything staged; called when a job without checkpoints fails. (A job with checkpoints
   * leaves staged output for {@link #recover} in the next run: it may belong to a complete checkpoint
   * whose commit did not run.) Must not throw.
   */
  default void abort() {}

  /** A short name for plans, e.g. {@code files(out/)}. */
  default String name() {
    return getClass().getSimpleName();
  }
}
