package dev.sluice.core.stream.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/** Finds a {@link KeyedStateBackendFactory} by name. */
public final class KeyedStateBackends {
  private KeyedStateBackends() {}

  /** The built-in on-heap backend. */
  public static final KeyedStateBackendFactory HEAP = new KeyedStateBackendFactory() {
    @Override
    public String name() {
      return "heap";
    }

    @Override
    public KeyedStateBackend create(Params p) {
      return new HeapKeyedStateBackend(p.maxKeyGroups(), p.range(), p.clock());
    }

    @Override
    public String toString() {
      return "heap";
    }
  };

  /**
   * The factory named {@code name} ({@code "heap"}, or one registered with {@link ServiceLoader}
   * on {@code loader}'s class path).
   *
   * @throws IllegalArgumentException naming the dependency to add when the backend is not on the class path
   */
  public static KeyedStateBackendFactory factory(String name, ClassLoader loader) {
    String wanted = name == null ? "heap" : name.trim().toLowerCase(Locale.ROOT);
    if (wanted.equals(HEAP.name())) {
      return HEAP;
    }
    List<String> found = new ArrayList<>();
    found.add(HEAP.name());
    for (KeyedStateBackendFactory f : ServiceLoader.load(KeyedStateBackendFactory.class, loader)) {
      if (f.name().equals(wanted)) {
        return f;
      }
      found.add(f.name());
    }
    if (wanted.equals("rocksdb")) {
      throw new IllegalArgumentException("state backend 'rocksdb' is not on the class path: add the dependency"
          + " dev.sluice:sluice-rocksdb (the same version as sluice-core) to the job's project, or use the"
          + " default state backend 'heap'");
    }
    throw new IllegalArgumentException("unknown state backend '" + name + "'; available: " + found
        + (found.contains("rocksdb") ? "" : " (the RocksDB backend needs the dependency dev.sluice:sluice-rocksdb)"));
  }
}
