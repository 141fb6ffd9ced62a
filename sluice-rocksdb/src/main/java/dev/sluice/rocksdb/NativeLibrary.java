package dev.sluice.rocksdb;

import org.rocksdb.RocksDB;
import org.rocksdb.StringAppendOperator;

/** Loads RocksDB's native library once, with a message that says what to do when this platform has none. */
final class NativeLibrary {
  private NativeLibrary() {}

  private static volatile boolean loaded;
  private static StringAppendOperator mergeOperator;

  /** The list-state merge operator, shared by every instance of the JVM (a native object, never freed). */
  static synchronized StringAppendOperator mergeOperator() {
    load();
    if (mergeOperator == null) {
      mergeOperator = new StringAppendOperator(StateKeys.LIST_DELIMITER);
    }
    return mergeOperator;
  }

  static void load() {
    if (loaded) {
      return;
    }
    synchronized (NativeLibrary.class) {
      if (loaded) {
        return;
      }
      try {
        RocksDB.loadLibrary();
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        throw new IllegalStateException("cannot load RocksDB's native library for " + System.getProperty("os.name")
            + " " + System.getProperty("os.arch") + " (" + e.getMessage() + "). The sluice command bundles it for"
            + " Linux (glibc) only; elsewhere run the job as a library with the dependency dev.sluice:sluice-rocksdb"
            + " (its org.rocksdb:rocksdbjni jar holds every platform), or use the state backend 'heap'", e);
      }
      loaded = true;
    }
  }
}
