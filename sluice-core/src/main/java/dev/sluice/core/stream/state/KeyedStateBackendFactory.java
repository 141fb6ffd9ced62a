package dev.sluice.core.stream.state;

import dev.sluice.core.codec.Serde;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Creates the keyed state backend of each task of a job. The job names one with
 * {@code RunOptions.withStateBackend(name)}; {@link KeyedStateBackends#factory} finds it:
 * {@code "heap"} is built in, others (as {@code "rocksdb"} in {@code sluice-rocksdb}) are found with
 * {@link java.util.ServiceLoader} under this interface, so the core does not depend on them.
 * Implementations are stateless and thread-safe; they need a public no-argument constructor.
 */
public interface KeyedStateBackendFactory {

  /** The name a job selects this backend by, lower case (e.g. {@code "rocksdb"}). */
  String name();

  /** A new backend for one task. The caller closes it. */
  KeyedStateBackend create(Params params);

  /**
   * What a task gives its backend.
   *
   * @param owner the operator and task for names and messages, e.g. {@code keyedProcess (#3) [1/2]}
   * @param maxKeyGroups the number of key groups keys are mapped to
   * @param range the key groups the task owns
   * @param clock processing time in ms, for TTL
   * @param serde the job's serializer (for backends that keep state off the heap)
   * @param tempDir a directory the backend may create its working files under (the job's temp
   *     directory, removed when the job ends); the backend removes its own files on close
   */
  record Params(String owner, int maxKeyGroups, KeyGroupRange range, LongSupplier clock, Serde serde, Path tempDir) {
    public Params {
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(range, "range");
      Objects.requireNonNull(clock, "clock");
    }
  }
}
