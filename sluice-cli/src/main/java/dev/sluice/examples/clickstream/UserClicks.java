package dev.sluice.examples.clickstream;

import java.io.Serializable;

/** A row of {@code user_clicks}: the clicks of a user in the 1-minute window starting at {@code windowStart}. */
public record UserClicks(String userId, long windowStart, long clicks) implements Serializable {}
