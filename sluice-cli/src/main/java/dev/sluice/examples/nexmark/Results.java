package dev.sluice.examples.nexmark;

import java.io.Serializable;

/** The result rows of the queries, written one JSON object per row (field names as below). */
public final class Results {
  private Results() {}

  /** q2: a bid's auction and price. */
  public record AuctionPrice(long auction, long price) implements Serializable {}

  /** q3: a seller in OR, ID or CA and one of their category-10 auctions. */
  public record NameCityStateId(String name, String city, String state, long id) implements Serializable {}

  /** q4, q6 input: the highest valid bid of a closed auction. */
  public record WinningBid(Auction auction, Bid bid) implements Serializable {}

  /** q4: the average winning price (cents, rounded) of the {@code count} auctions closed so far in a category. */
  public record CategoryPrice(long category, long price, long count) implements Serializable {}

  /** q5: an auction with the most bids in a sliding window ({@code [windowStart, windowEnd)}). */
  public record HotItem(long windowStart, long windowEnd, long auction, long count) implements Serializable {}

  /** q6: the average winning price (cents, rounded) of a seller's last (up to) 10 closed auctions. */
  public record SellerPrice(long seller, long price) implements Serializable {}

  /** q7: a bid with the highest price in a tumbling window. */
  public record HighestBid(long windowStart, long windowEnd, long auction, long bidder, long price, long dateTime)
      implements Serializable {}

  /** q8: a person who opened an auction in the same tumbling window in which they registered. */
  public record IdNameReserve(long id, String name, long reserve, long windowStart) implements Serializable {}
}
