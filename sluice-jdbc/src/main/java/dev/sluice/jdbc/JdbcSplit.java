package dev.sluice.jdbc;

import dev.sluice.api.source.SourceSplit;

/**
 * A range {@code [from, to)} of a {@link JdbcSource}'s partition column (internal: public only so
 * that checkpoints can hold it). A reader's remaining split starts after the last key it emitted.
 */
public record JdbcSplit(String id, long from, long to) implements SourceSplit {}
