package dev.sluice.rocksdb;

import dev.sluice.api.state.StateSpec;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import java.io.Serializable;
import java.util.List;

/**
 * A native, incremental checkpoint of one task's RocksDB instance
 * ({@link RocksDbKeyedStateBackend#checkpointIncremental}): the instance's immutable SST files in a
 * directory shared by the job's checkpoints (each file written once and referenced by every later
 * checkpoint that still needs it), its small metadata files (MANIFEST, CURRENT, OPTIONS) in the
 * checkpoint's own directory, plus what lives on the heap (timers, restored entries of states not
 * registered yet) as a {@link KeyedStateSnapshot}. Restored with
 * {@link RocksDbKeyedStateBackend#restoreNative}, also into other key-group ranges (rescaling).
 *
 * @param formatVersion {@link #VERSION} of the writer
 * @param states the state ids of the RocksDB keys, by name and kind
 * @param checkpointDir where {@link #privateFiles} are (relative to the checkpoint's directory in
 *     checkpoints taken for the runtime, see {@link #resolve})
 * @param sharedDir where {@link #sharedFiles} are (named {@code <instance>-<file>}); empty in
 *     checkpoints taken for the runtime
 * @param heapPart timers and not-yet-registered entries of {@link #range}
 * @param bytesWritten bytes copied for this checkpoint (new SST files and the metadata files); for
 *     checkpoints taken for the runtime the bytes of all files (the storage decides what it copies
 *     and records that in the checkpoint's metadata)
 * @param bytesReused bytes of SST files an earlier checkpoint had already written (0 for the runtime's)
 */
public record NativeCheckpoint(int formatVersion, int maxKeyGroups, KeyGroupRange range, List<StateMeta> states,
                               String checkpointDir, String sharedDir, List<String> sharedFiles, List<String> privateFiles,
                               KeyedStateSnapshot heapPart, long bytesWritten, long bytesReused) implements Serializable {

  /** Format version of this record and of the files it names. */
  public static final int VERSION = 1;

  /** One named state: the id its RocksDB keys carry and its kind. */
  public record StateMeta(String name, int id, StateSpec.Kind kind) implements Serializable {}

  public NativeCheckpoint {
    states = List.copyOf(states);
    sharedFiles = List.copyOf(sharedFiles);
    privateFiles = List.copyOf(privateFiles);
  }

  /**
   * This checkpoint with its directories resolved: a checkpoint taken for the runtime
   * ({@link RocksDbKeyedStateBackend#checkpointNative}) names its private directory relative to the
   * checkpoint's directory and leaves the shared directory to the storage.
   */
  public NativeCheckpoint resolve(java.nio.file.Path checkpointBase, java.nio.file.Path shared) {
    return new NativeCheckpoint(formatVersion, maxKeyGroups, range, states, checkpointBase.resolve(checkpointDir).toString(),
        shared.toString(), sharedFiles, privateFiles, heapPart, bytesWritten, bytesReused);
  }

  /** The local file name of a shared file (its name without the instance prefix). */
  static String localName(String sharedName) {
    return sharedName.substring(sharedName.lastIndexOf('-') + 1);
  }
}
