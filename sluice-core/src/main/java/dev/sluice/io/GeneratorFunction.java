package dev.sluice.io;

import java.io.Serializable;

/**
 * Makes the record with sequence number {@code index} for {@link Sources#generator}. Must be
 * deterministic (the same index always gives an equal record) and safe to call from several task
 * threads at once (keep it stateless): that is what makes a generated stream independent of the
 * parallelism and replayable.
 */
@FunctionalInterface
public interface GeneratorFunction<T> extends Serializable {
  T apply(long index) throws Exception;
}
