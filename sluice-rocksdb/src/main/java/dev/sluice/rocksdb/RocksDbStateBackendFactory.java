package dev.sluice.rocksdb;

import dev.sluice.core.stream.state.KeyedStateBackend;
import dev.sluice.core.stream.state.KeyedStateBackendFactory;

/**
 * The {@code "rocksdb"} state backend ({@code RunOptions.withStateBackend("rocksdb")}), found by the
 * runtime with {@link java.util.ServiceLoader}. Stateless and thread-safe.
 */
public final class RocksDbStateBackendFactory implements KeyedStateBackendFactory {
  public static final String NAME = "rocksdb";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public KeyedStateBackend create(Params p) {
    if (p.serde() == null || p.tempDir() == null) {
      throw new IllegalArgumentException("the RocksDB state backend needs the job's serializer and a temp directory");
    }
    return new RocksDbKeyedStateBackend(p.owner(), p.maxKeyGroups(), p.range(), p.clock(), p.serde(), p.tempDir());
  }
}
