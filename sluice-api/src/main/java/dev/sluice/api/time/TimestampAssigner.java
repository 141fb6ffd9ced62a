package dev.sluice.api.time;

import java.io.Serializable;

/** Extracts a record's event time, in milliseconds since the epoch. Deterministic; called once per record. */
@FunctionalInterface
public interface TimestampAssigner<T> extends Serializable {
  long timestamp(T value) throws Exception;
}
