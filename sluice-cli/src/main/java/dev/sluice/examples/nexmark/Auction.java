package dev.sluice.examples.nexmark;

import java.io.Serializable;

/**
 * An item put up for auction by {@code seller} (NEXMark model). The auction is open from
 * {@code dateTime} (inclusive) to {@code expires} (exclusive), both epoch millis; prices are in cents.
 */
public record Auction(long id, String itemName, String description, long initialBid, long reserve, long dateTime,
    long expires, long seller, long category, String extra) implements Serializable {}
