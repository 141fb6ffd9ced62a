package dev.sluice.examples.nexmark;

import java.io.Serializable;

/** A person who opens auctions and bids (NEXMark model). {@code dateTime} is epoch millis. */
public record Person(long id, String name, String emailAddress, String creditCard, String city, String state,
    long dateTime, String extra) implements Serializable {}
