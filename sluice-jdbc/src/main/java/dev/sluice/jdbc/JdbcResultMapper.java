package dev.sluice.jdbc;

import java.io.Serializable;
import java.sql.ResultSet;

/**
 * Turns the current row of a {@link ResultSet} into a record for {@link JdbcSource}. Called on the
 * reader's thread for every row; must not advance the result set. Serializable: it travels with
 * the plan.
 */
@FunctionalInterface
public interface JdbcResultMapper<T> extends Serializable {
  T map(ResultSet row) throws Exception;
}
