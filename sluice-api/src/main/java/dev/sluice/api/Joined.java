package dev.sluice.api;

import java.io.Serializable;

/**
 * One matching pair of a join. In a left join {@code right} is null when the key had no match on
 * the right side.
 */
public record Joined<L, R>(L left, R right) implements Serializable {}
