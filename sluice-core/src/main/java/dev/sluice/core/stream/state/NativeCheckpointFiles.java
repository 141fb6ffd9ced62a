package dev.sluice.core.stream.state;

import java.nio.file.Path;
import java.util.List;

/**
 * What the runtime gives an operator whose backend checkpoints its own files
 * ({@link NativeCheckpointing}): where the files go and, on restore, where they are. Given by
 * {@code OperatorContext.nativeCheckpoints()} only when the job takes checkpoints. Used by the
 * operator's thread; the runtime copies the staged files on its checkpoint I/O thread.
 */
public interface NativeCheckpointFiles {

  /**
   * The directory, relative to the checkpoint's directory, for this operator task's private files
   * (e.g. {@code native-5-1}); unique within a checkpoint.
   */
  String privateDir(long checkpointId);

  /**
   * Hands over files staged at the barrier (cheap local hard links): the runtime copies them into
   * checkpoint {@code checkpointId} off the task thread before the task acknowledges, shared ones
   * into the job's shared directory unless a file of that name is there already, then runs
   * {@code cleanup} (also when the checkpoint fails). The files must not change until then.
   */
  void stage(long checkpointId, List<StagedFile> files, Runnable cleanup);

  /**
   * Whether heap keyed state is checkpointed incrementally ({@code HeapKeyedStateBackend#snapshotIncremental}):
   * the runtime then writes the parts into the shared directory.
   */
  default boolean incrementalHeap() {
    return false;
  }

  /** The directory of the checkpoint being restored (private files are relative to it); null when not restoring. */
  Path restoreCheckpointDir();

  /** The shared directory of the checkpoint being restored; null when not restoring. */
  Path restoreSharedDir();

  /**
   * One staged file.
   *
   * @param source the local file (read on the I/O thread)
   * @param name its name in the shared directory, or its path relative to the checkpoint's directory
   * @param shared an immutable file (an SST) that later checkpoints may reference too: it goes to the
   *     shared directory, once per name
   */
  record StagedFile(Path source, String name, boolean shared) {}
}
