package dev.sluice.examples.nexmark;

import java.io.Serializable;

/**
 * One NEXMark event: exactly one of {@code person}, {@code auction} and {@code bid} is set, and
 * {@code timestamp} is its event time (its {@code dateTime}, epoch millis).
 */
public record Event(Person person, Auction auction, Bid bid, long timestamp) implements Serializable {
  /** The kind of an event, named as in the JSON {@code type} field. */
  public enum Type {
    PERSON("person"), AUCTION("auction"), BID("bid");

    private final String json;

    Type(String json) {
      this.json = json;
    }

    /** The JSON {@code type} value. */
    public String json() {
      return json;
    }
  }

  public Event {
    int set = (person != null ? 1 : 0) + (auction != null ? 1 : 0) + (bid != null ? 1 : 0);
    if (set != 1) {
      throw new IllegalArgumentException("an event holds exactly one of person, auction and bid, had " + set);
    }
  }

  public static Event of(Person p) {
    return new Event(p, null, null, p.dateTime());
  }

  public static Event of(Auction a) {
    return new Event(null, a, null, a.dateTime());
  }

  public static Event of(Bid b) {
    return new Event(null, null, b, b.dateTime());
  }

  public Type type() {
    return person != null ? Type.PERSON : auction != null ? Type.AUCTION : Type.BID;
  }

  public boolean isPerson() {
    return person != null;
  }

  public boolean isAuction() {
    return auction != null;
  }

  public boolean isBid() {
    return bid != null;
  }
}
