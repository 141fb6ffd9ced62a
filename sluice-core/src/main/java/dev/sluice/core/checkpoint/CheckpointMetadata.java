package dev.sluice.core.checkpoint;

import java.util.List;

/**
 * What {@code chk-<n>/_metadata} holds: the files of a complete checkpoint with their sizes and
 * checksums, the sinks' committables, the class names the job wrote, and statistics. Written last;
 * a checkpoint directory without it does not exist.
 *
 * @param job the job name
 * @param planSignature the operators of the pipeline, so a different pipeline is not restored from it
 * @param last the job ended (bounded input) at this checkpoint: restoring it only re-commits
 * @param classNames classes the job wrote by name into the state files and committables; a restore
 *     allows reading exactly these (and the built-in and registered ones)
 * @param alignmentNanos the longest barrier alignment of any task
 * @param sizeBytes total size of the state files
 */
public record CheckpointMetadata(
    int version, String job, long id, long timestampMillis, long durationMillis, long alignmentNanos,
    long sizeBytes, boolean last, String planSignature, List<String> classNames, List<StateFile> files,
    List<Committable> committables) {

  /** One task's state file: {@code task-<stage>-<index>}. */
  public record StateFile(String name, int stage, int task, long size, int crc32c) {}

  /** One sink writer's serialized committable (the checkpoint it was prepared at is {@code preparedAt}). */
  public record Committable(int transformId, int partition, long preparedAt, byte[] bytes) {}
}
