package dev.sluice.examples.nexmark;

import java.io.Serializable;

/** A bid of {@code price} cents by {@code bidder} on {@code auction} (NEXMark model, with Flink's channel and url). */
public record Bid(long auction, long bidder, long price, String channel, String url, long dateTime, String extra)
    implements Serializable {}
