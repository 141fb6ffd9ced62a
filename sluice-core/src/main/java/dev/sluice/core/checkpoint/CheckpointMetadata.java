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
 * @param sizeBytes total size of the checkpoint's state: its state files and every native file it references
 * @param nativeFiles the files of native (RocksDB) checkpoints it references, in its own directory or
 *     in the job's shared directory (metadata format version 2; empty in version 1)
 * @param writtenBytes bytes written for this checkpoint (state files and native files not reused
 *     from an earlier one): the incremental size; {@code sizeBytes} when nothing is reused
 */
public record CheckpointMetadata(
    int version, String job, long id, long timestampMillis, long durationMillis, long alignmentNanos,
    long sizeBytes, boolean last, String planSignature, List<String> classNames, List<StateFile> files,
    List<Committable> committables, List<NativeFile> nativeFiles, long writtenBytes) {

  public CheckpointMetadata {
    nativeFiles = List.copyOf(nativeFiles);
  }

  /** A checkpoint without native files (every byte written for it). */
  public CheckpointMetadata(int version, String job, long id, long timestampMillis, long durationMillis,
                            long alignmentNanos, long sizeBytes, boolean last, String planSignature,
                            List<String> classNames, List<StateFile> files, List<Committable> committables) {
    this(version, job, id, timestampMillis, durationMillis, alignmentNanos, sizeBytes, last, planSignature, classNames,
        files, committables, List.of(), sizeBytes);
  }

  /** Bytes of native files reused from earlier checkpoints. */
  public long reusedBytes() {
    long n = 0;
    for (NativeFile f : nativeFiles) {
      if (f.reused()) {
        n += f.size();
      }
    }
    return n;
  }

  /** Number of native files reused from earlier checkpoints. */
  public int reusedFiles() {
    int n = 0;
    for (NativeFile f : nativeFiles) {
      if (f.reused()) {
        n++;
      }
    }
    return n;
  }

  /**
   * One file of a native checkpoint.
   *
   * @param name for a shared file its name in the shared directory; else its path relative to the
   *     checkpoint's directory ({@code native-<transform>-<task>/<file>})
   * @param shared whether it is in the shared directory (referenced by later checkpoints too)
   * @param reused an earlier checkpoint had written it already (not copied for this one)
   */
  public record NativeFile(String name, boolean shared, long size, int crc32c, boolean reused) {}

  /** One task's state file: {@code task-<stage>-<index>}. */
  public record StateFile(String name, int stage, int task, long size, int crc32c) {}

  /** One sink writer's serialized committable (the checkpoint it was prepared at is {@code preparedAt}). */
  public record Committable(int transformId, int partition, long preparedAt, byte[] bytes) {}
}
