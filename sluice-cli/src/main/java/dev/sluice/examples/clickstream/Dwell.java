package dev.sluice.examples.clickstream;

import java.io.Serializable;

/**
 * A change to the dwell times of a page's window: the dwell time of the click at {@code clickTime}
 * on {@code page} (the time until the same user's next click in the same session), added
 * ({@code clicks} 1) or, when a click that arrived out of order turned out to come in between,
 * retracted ({@code clicks} -1, {@code dwellMs} negated). See {@link DwellFunction}.
 */
public record Dwell(String page, long clickTime, long dwellMs, int clicks) implements Serializable {}
