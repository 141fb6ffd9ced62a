package dev.sluice.io;

import java.io.Serializable;

/**
 * The event time in ms of the record with sequence number {@code index} of a
 * {@link GeneratorSource}. Deterministic and stateless, like {@link GeneratorFunction}.
 */
@FunctionalInterface
public interface TimestampFunction extends Serializable {
  long timestamp(long index) throws Exception;
}
