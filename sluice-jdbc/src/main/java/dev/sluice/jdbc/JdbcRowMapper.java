package dev.sluice.jdbc;

import java.io.Serializable;

/**
 * Turns a record into the column values of one table row, in the order of
 * {@link JdbcSink.Builder#columns}. Called on the sink writer's thread for every record; must be
 * serializable (it travels with the plan) and may throw: the job then fails naming the record.
 *
 * <p>Values may be null, {@link String}, {@link Integer}, {@link Long}, {@link Short}, {@link Byte},
 * {@link Double}, {@link Float}, {@link Boolean}, {@link java.math.BigDecimal}, {@code byte[]},
 * {@link java.time.Instant}, {@link java.time.LocalDate}, {@link java.time.LocalDateTime},
 * {@link java.sql.Timestamp}, {@link java.sql.Date} or {@link java.util.UUID}.
 */
@FunctionalInterface
public interface JdbcRowMapper<T> extends Serializable {
  Object[] map(T record) throws Exception;
}
