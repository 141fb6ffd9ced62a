package dev.sluice.api;

import java.time.Duration;
import java.time.Instant;

/**
 * What one completed checkpoint took, handed to the listener of {@link RunOptions.Checkpointing#withListener}.
 * In micro-batch mode a checkpoint is one batch, and these are the batch's phases (what Spark reports
 * as a query's progress durations, Flink as checkpoint statistics). Every duration counts from
 * {@link #start}, so they grow in order: {@code planned <= snapshotted <= written <= completed <=
 * committed}.
 *
 * @param id the checkpoint id (micro-batch: the batch id)
 * @param start when it began: a streaming checkpoint when it was triggered; a micro-batch when its
 *     trigger fired, so the ask of the sources and the offset log write count in
 * @param planned micro-batch: until the batch's offset log entry was durable and its sources could
 *     start reading; zero for a streaming checkpoint
 * @param snapshotted until the last task took its snapshot and the last sink writer prepared its
 *     commit: the barrier has passed the whole job (micro-batch: the batch's records are processed)
 * @param written until the last state file was written (every task acknowledged)
 * @param completed until the metadata was written: from then on it is the restore point
 * @param committed until the sinks committed its output (micro-batch: and the commit log recorded the
 *     batch): the whole duration
 * @param sinkCommit the time the sinks' {@code commit} calls took, within {@code completed ..
 *     committed}
 * @param maxAlignment the longest barrier alignment of a task
 * @param bytes the state size of the checkpoint
 * @param bytesWritten the bytes written for it (an incremental checkpoint reuses earlier files)
 * @param recordsRead the source records read since the previous completed checkpoint, up to this one's
 *     barrier (micro-batch: the batch's records; the job's last checkpoint: the rest of the input)
 */
public record CheckpointStats(long id, Instant start, Duration planned, Duration snapshotted, Duration written,
                              Duration completed, Duration committed, Duration sinkCommit, Duration maxAlignment,
                              long bytes, long bytesWritten, long recordsRead) {

  /** The processing part of a micro-batch: from its planning to the last snapshot. */
  public Duration processing() {
    return snapshotted.minus(planned);
  }
}
