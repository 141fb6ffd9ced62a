package dev.sluice.bench;

import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.NativeCheckpointFiles;
import dev.sluice.rocksdb.NativeCheckpoint;
import dev.sluice.rocksdb.RocksDbKeyedStateBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Native incremental checkpoints of the RocksDB backend, measured where the runtime takes them:
 * {@code Bench rocksdb-checkpoint [--keys 1000000] [--value-bytes 1024] [--update-percent 1]
 * [--rounds 5] [--retained 3]}. One backend (all key groups) holds {@code keys} values of
 * {@code value-bytes} incompressible bytes; checkpoint 1 is full, then each round updates
 * {@code update-percent} of the keys (random) and takes the next checkpoint through the same code
 * path as a job: the backend stages hard links ({@code checkpointNative}, the part on the task thread
 * at the barrier), the checkpoint storage copies what is new into {@code <dir>/<job>/shared/}
 * ({@code writeNative}, the I/O thread's part), writes the metadata and applies retention. Prints
 * per checkpoint the barrier (stage) time, the copy time, bytes written vs reused; finally the time
 * of a restore ({@code restoreNative}) from the last one. Asserts nothing.
 */
public final class RocksDbCheckpointBench {
  private RocksDbCheckpointBench() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    long keys = args.getLong("keys", 1_000_000);
    int valueBytes = (int) args.getLong("value-bytes", 1024);
    double updatePercent = Double.parseDouble(args.get("update-percent", "1"));
    int rounds = (int) args.getLong("rounds", 5);
    int retained = (int) args.getLong("retained", 3);
    Path work = args.workDir().resolve("rocksdb-checkpoint");
    WordCountBench.deleteRecursively(work);
    Files.createDirectories(work);
    Serde serde = new Serde(Map.of(), Set.of());
    KeyGroupRange all = KeyGroupRange.ofPartition(0, 128, 1);
    CheckpointStorage storage = new CheckpointStorage(work.resolve("ck"), "bench");
    Random rnd = new Random(42);
    byte[] value = new byte[valueBytes];
    RocksDbKeyedStateBackend backend = new RocksDbKeyedStateBackend("bench", 128, all, () -> 0L, serde,
        work.resolve("tmp"));
    NativeCheckpoint last = null;
    try {
      ValueState<byte[]> state = backend.state(StateSpec.value("v"));
      long t0 = System.nanoTime();
      for (long k = 0; k < keys; k++) {
        rnd.nextBytes(value);
        backend.setCurrentKey(k);
        state.update(value.clone());
      }
      backend.clearCurrentKey();
      System.out.printf(Locale.ROOT, "loaded %d keys x %d B (%.0f MB) in %.1f s%n", keys, valueBytes,
          keys * (double) valueBytes / 1e6, Args.seconds(System.nanoTime() - t0));
      for (int id = 1; id <= rounds + 1; id++) {
        if (id > 1) {
          long updates = Math.round(keys * updatePercent / 100);
          for (long i = 0; i < updates; i++) {
            rnd.nextBytes(value);
            backend.setCurrentKey((long) rnd.nextInt((int) keys));
            state.update(value.clone());
          }
          backend.clearCurrentKey();
        }
        Files.createDirectories(storage.dirOf(id));
        Staging staging = new Staging();
        long s0 = System.nanoTime();
        last = backend.checkpointNative(id, staging);
        long stageNanos = System.nanoTime() - s0;
        long c0 = System.nanoTime();
        List<CheckpointMetadata.NativeFile> files = storage.writeNative(id, staging.files);
        staging.cleanup.run();
        long size = 0;
        long written = 0;
        int reusedFiles = 0;
        for (CheckpointMetadata.NativeFile f : files) {
          size += f.size();
          if (f.reused()) {
            reusedFiles++;
          } else {
            written += f.size();
          }
        }
        storage.writeMetadata(new CheckpointMetadata(CheckpointStorage.METADATA_VERSION, "bench", id,
            System.currentTimeMillis(), 0, 0, size, false, "bench", List.of(), List.of(), List.of(), files, written));
        storage.retain(retained);
        long copyNanos = System.nanoTime() - c0;
        System.out.printf(Locale.ROOT, "RESULT rocksdb-checkpoint %d: %s, state %.1f MB, written %.1f MB (%.2f %%),"
                + " reused %.1f MB in %d of %d files; barrier (stage) %.0f ms, copy+metadata+retention %.0f ms%n",
            id, id == 1 ? "full" : String.format(Locale.ROOT, "after updating %.1f %% of the keys", updatePercent),
            size / 1e6, written / 1e6, 100.0 * written / size, (size - written) / 1e6, reusedFiles, files.size(),
            stageNanos / 1e6, copyNanos / 1e6);
      }
      long shared;
      try (var l = Files.list(storage.sharedDir())) {
        shared = l.count();
      }
      System.out.printf(Locale.ROOT, "shared directory after retention (%d checkpoints kept): %d files%n", retained,
          shared);
    } finally {
      backend.close();
    }
    long r0 = System.nanoTime();
    RocksDbKeyedStateBackend restored = new RocksDbKeyedStateBackend("restored", 128, all, () -> 0L, serde,
        work.resolve("tmp"));
    try {
      restored.restoreNative(List.of(last), storage.dirOf(rounds + 1), storage.sharedDir());
      ValueState<byte[]> state = restored.state(StateSpec.value("v"));
      restored.setCurrentKey(keys - 1);
      if (state.value() == null || state.value().length != valueBytes) {
        throw new IllegalStateException("restored state lacks key " + (keys - 1));
      }
      System.out.printf(Locale.ROOT, "RESULT rocksdb-checkpoint restore of the last checkpoint (same key groups): %.0f ms%n",
          (System.nanoTime() - r0) / 1e6);
    } finally {
      restored.close();
    }
    WordCountBench.deleteRecursively(work);
  }

  /** Collects the staged files as the runtime's task does. */
  private static final class Staging implements NativeCheckpointFiles {
    List<StagedFile> files = new ArrayList<>();
    Runnable cleanup = () -> {};

    @Override
    public String privateDir(long checkpointId) {
      return "native-0-0";
    }

    @Override
    public void stage(long checkpointId, List<StagedFile> staged, Runnable done) {
      files = List.copyOf(staged);
      cleanup = done;
    }

    @Override
    public Path restoreCheckpointDir() {
      return null;
    }

    @Override
    public Path restoreSharedDir() {
      return null;
    }
  }
}
