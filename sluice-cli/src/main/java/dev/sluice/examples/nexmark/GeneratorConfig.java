package dev.sluice.examples.nexmark;

import java.io.Serializable;

/**
 * Parameters of the NEXMark event generator; the defaults are those of Beam's
 * {@code NexmarkConfiguration}. Event {@code i} (0-based) is a function of the seed and {@code i}
 * alone, so the same config yields the same events whatever the parallelism.
 *
 * @param seed mixed into every event's random numbers
 * @param maxEvents events to generate; 0 for an unbounded stream
 * @param baseTime event time of the first event, epoch millis
 * @param eventTimeRate events per second of event time: event {@code i} has timestamp
 *     {@code baseTime + i * 1000 / eventTimeRate} (independent of how fast events are produced)
 * @param numActivePeople people that random bidders and sellers are drawn from
 * @param numInFlightAuctions auctions that random bids are drawn from (sets the auction length too)
 * @param hotAuctionRatio a bid goes to the current hot auction with probability {@code 1 - 1/ratio}
 * @param hotSellersRatio an auction is by the current hot seller with probability {@code 1 - 1/ratio}
 * @param hotBiddersRatio a bid is by the current hot bidder with probability {@code 1 - 1/ratio}
 * @param avgPersonByteSize target average size of a person (pads {@code extra})
 * @param avgAuctionByteSize target average size of an auction
 * @param avgBidByteSize target average size of a bid
 */
public record GeneratorConfig(long seed, long maxEvents, long baseTime, long eventTimeRate, int numActivePeople,
    int numInFlightAuctions, int hotAuctionRatio, int hotSellersRatio, int hotBiddersRatio, int avgPersonByteSize,
    int avgAuctionByteSize, int avgBidByteSize) implements Serializable {

  /** Ids start here so that queries find matches even in small runs (as in Beam). */
  public static final long FIRST_PERSON_ID = 1000L;
  public static final long FIRST_AUCTION_ID = 1000L;
  public static final long FIRST_CATEGORY_ID = 10L;

  /** Per {@link #PROPORTION_DENOMINATOR} consecutive events: 1 person, 3 auctions, 46 bids. */
  public static final int PERSON_PROPORTION = 1;
  public static final int AUCTION_PROPORTION = 3;
  public static final int BID_PROPORTION = 46;
  public static final int PROPORTION_DENOMINATOR = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

  /** 2023-11-14T22:13:20Z: a fixed default, so runs are reproducible. */
  public static final long DEFAULT_BASE_TIME = 1_700_000_000_000L;

  public GeneratorConfig {
    if (maxEvents < 0) {
      throw new IllegalArgumentException("events must be zero (unbounded) or positive, was " + maxEvents);
    }
    if (eventTimeRate < 1) {
      throw new IllegalArgumentException("event-time rate must be positive, was " + eventTimeRate);
    }
    if (numActivePeople < 1 || numInFlightAuctions < 1 || hotAuctionRatio < 1 || hotSellersRatio < 1 || hotBiddersRatio < 1) {
      throw new IllegalArgumentException("people, auctions and hot ratios must be positive");
    }
  }

  /** Beam's defaults: 10,000 events per second of event time, 1000 active people, 100 auctions in flight. */
  public static GeneratorConfig defaults(long maxEvents) {
    return new GeneratorConfig(42, maxEvents, DEFAULT_BASE_TIME, 10_000, 1000, 100, 2, 4, 4, 200, 500, 100);
  }

  public GeneratorConfig withSeed(long s) {
    return new GeneratorConfig(s, maxEvents, baseTime, eventTimeRate, numActivePeople, numInFlightAuctions,
        hotAuctionRatio, hotSellersRatio, hotBiddersRatio, avgPersonByteSize, avgAuctionByteSize, avgBidByteSize);
  }

  public GeneratorConfig withMaxEvents(long n) {
    return new GeneratorConfig(seed, n, baseTime, eventTimeRate, numActivePeople, numInFlightAuctions,
        hotAuctionRatio, hotSellersRatio, hotBiddersRatio, avgPersonByteSize, avgAuctionByteSize, avgBidByteSize);
  }

  public GeneratorConfig withEventTimeRate(long eventsPerSecond) {
    return new GeneratorConfig(seed, maxEvents, baseTime, eventsPerSecond, numActivePeople, numInFlightAuctions,
        hotAuctionRatio, hotSellersRatio, hotBiddersRatio, avgPersonByteSize, avgAuctionByteSize, avgBidByteSize);
  }

  /** The event time of event {@code eventId}. */
  public long timestamp(long eventId) {
    return baseTime + eventId * 1000 / eventTimeRate;
  }

  /** Whether events go on for ever. */
  public boolean unbounded() {
    return maxEvents == 0;
  }
}
