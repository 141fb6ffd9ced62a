package dev.sluice.api;

import java.io.Serializable;

/**
 * A value with its event timestamp in milliseconds: the input of
 * {@code Sources.timestamped(...)} and what test harnesses report as output.
 *
 * @param timestamp event time in ms; {@link Long#MIN_VALUE} means "no timestamp"
 */
public record Timestamped<T>(T value, long timestamp) implements Serializable {
  public static <T> Timestamped<T> of(T value, long timestamp) {
    return new Timestamped<>(value, timestamp);
  }

  @Override
  public String toString() {
    return value + "@" + (timestamp == Long.MIN_VALUE ? "-" : Long.toString(timestamp));
  }
}
