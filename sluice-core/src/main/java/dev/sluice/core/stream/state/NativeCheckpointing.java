package dev.sluice.core.stream.state;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link KeyedStateBackend} whose checkpoints are its own files (RocksDB's SST files), copied
 * incrementally, instead of a {@link KeyedStateSnapshot} on the heap. Operators with keyed state ask
 * for one when the runtime gives them {@link NativeCheckpointFiles}; called on the task's thread.
 */
public interface NativeCheckpointing {

  /**
   * At the barrier: stages the state's files locally (cheap), hands them to {@code files} for the
   * copy, and returns the handle (serializable, no absolute paths) that a restore needs.
   */
  Serializable checkpointNative(long checkpointId, NativeCheckpointFiles files);

  /**
   * Restores the key groups this backend owns from the handles of all old tasks (a handle of
   * exactly this range is taken over as is; others are copied by key-group range: rescaling).
   * Call after the states were registered or not, before the first element.
   *
   * @param checkpointDir the restored checkpoint's directory (handles' private files are relative to it)
   * @param sharedDir the restored checkpoint's shared directory
   */
  void restoreNative(List<Object> handles, Path checkpointDir, Path sharedDir);
}
