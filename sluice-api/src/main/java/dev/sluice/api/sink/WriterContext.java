package dev.sluice.api.sink;

/**
 * Which task attempt a {@link SinkWriter} writes for.
 *
 * @param checkpointing whether the job takes checkpoints: the writer is then asked to
 *     {@link SinkWriter#prepareCommit(long) prepare a commit at every checkpoint} and must stage the
 *     output of each checkpoint separately, under names that never collide with earlier output
 */
public record WriterContext(int partition, int parallelism, int attempt, boolean checkpointing) {
  public WriterContext(int partition, int parallelism, int attempt) {
    this(partition, parallelism, attempt, false);
  }
}
