package dev.sluice.examples.clickstream;

import java.io.Serializable;

/** The dwell time of one click: the time until the same user's next click in the same session. */
public record Dwell(String page, long clickTime, long dwellMs) implements Serializable {}
