package dev.sluice.examples.nexmark;

import static dev.sluice.examples.nexmark.GeneratorConfig.AUCTION_PROPORTION;
import static dev.sluice.examples.nexmark.GeneratorConfig.FIRST_AUCTION_ID;
import static dev.sluice.examples.nexmark.GeneratorConfig.FIRST_CATEGORY_ID;
import static dev.sluice.examples.nexmark.GeneratorConfig.FIRST_PERSON_ID;
import static dev.sluice.examples.nexmark.GeneratorConfig.PERSON_PROPORTION;
import static dev.sluice.examples.nexmark.GeneratorConfig.PROPORTION_DENOMINATOR;

/**
 * Makes NEXMark events by id, following the logic of Beam's NEXMark generator (person, auction and
 * bid generators): of every 50 consecutive event ids, 1 is a person, 3 are auctions and 46 are bids;
 * ids of people and auctions are dense and start at 1000; sellers and bidders are mostly the current
 * "hot" person, else drawn from the active people; bids mostly go to the current hot auction, else to
 * one of the auctions in flight; 5 categories from 10; prices {@code round(10^(6u) * 100)} cents;
 * {@code extra} pads each event to an average size.
 *
 * <p>Differences from Beam: one event-time line for all ids ({@link GeneratorConfig#timestamp}) rather
 * than one per generator instance, random numbers from a SplitMix64 stream seeded by
 * {@code (seed, eventId)} rather than {@code new Random(eventId)}, random strings cut from fixed
 * pools, and Flink NEXMark's {@code channel} and {@code url} on bids.
 *
 * <p>Not thread-safe (it reuses one random-number state); use one per reader. Allocates only the
 * event objects and their strings.
 */
public final class NexmarkGenerator {
  private static final int NUM_CATEGORIES = 5;
  private static final int AUCTION_ID_LEAD = 10;
  private static final int PERSON_ID_LEAD = 10;
  private static final int HOT_SELLER_RATIO = 100;
  private static final int HOT_AUCTION_RATIO = 100;
  private static final int HOT_BIDDER_RATIO = 100;
  private static final int HOT_CHANNELS_RATIO = 100;
  private static final int CHANNELS_NUMBER = 10_000;
  private static final int MIN_STRING_LENGTH = 3;

  private static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  private static final String[] US_CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend",
      "Redmond", "Seattle", "Kent", "Cheyenne"};
  private static final String[] FIRST_NAMES = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie",
      "Sarah", "Deiter", "Walter"};
  private static final String[] LAST_NAMES = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith",
      "Jones", "Noris"};
  private static final String[] NAMES = new String[FIRST_NAMES.length * LAST_NAMES.length];
  private static final String[] HOT_CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
  private static final String[] HOT_URLS = new String[HOT_CHANNELS.length];

  /** Random letters and spaces (1 in 13), as Beam's {@code nextString} draws them. */
  private static final String WORDS;
  /** Random letters only, as Beam's {@code nextExactString}. */
  private static final String LETTERS;
  private static final int POOL = 1 << 16;

  static {
    for (int i = 0; i < FIRST_NAMES.length; i++) {
      for (int j = 0; j < LAST_NAMES.length; j++) {
        NAMES[i * LAST_NAMES.length + j] = FIRST_NAMES[i] + " " + LAST_NAMES[j];
      }
    }
    Rng r = new Rng();
    r.reset(0x5eed, 0);
    char[] w = new char[POOL];
    char[] l = new char[POOL];
    for (int i = 0; i < POOL; i++) {
      w[i] = r.nextInt(13) == 0 ? ' ' : (char) ('a' + r.nextInt(26));
      l[i] = (char) ('a' + r.nextInt(26));
    }
    WORDS = new String(w);
    LETTERS = new String(l);
    for (int i = 0; i < HOT_URLS.length; i++) {
      HOT_URLS[i] = baseUrl(r);
    }
  }

  private final GeneratorConfig config;
  private final Rng rng = new Rng();
  /** Events from now until {@code numInFlightAuctions} more auctions have been made. */
  private final long eventsForInFlightAuctions;

  /**
   * Bids' {@code extra} strings (their fixed fields take 32 bytes; extra pads to the average size),
   * made once and shared: a fresh 70-letter string per bid would cost half the generator's time.
   */
  private static final int BID_EXTRAS = 4096;
  private final String[] bidExtras = new String[BID_EXTRAS];

  public NexmarkGenerator(GeneratorConfig config) {
    this.config = config;
    rng.reset(config.seed(), -1);
    for (int i = 0; i < BID_EXTRAS; i++) {
      bidExtras[i] = nextExtra(32, config.avgBidByteSize());
    }
    this.eventsForInFlightAuctions = (long) config.numInFlightAuctions() * PROPORTION_DENOMINATOR / AUCTION_PROPORTION;
  }

  public GeneratorConfig config() {
    return config;
  }

  /** The event with this id (0-based). */
  public Event event(long eventId) {
    rng.reset(config.seed(), eventId);
    long timestamp = config.timestamp(eventId);
    long rem = eventId % PROPORTION_DENOMINATOR;
    if (rem < PERSON_PROPORTION) {
      return Event.of(person(eventId, timestamp));
    } else if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) {
      return Event.of(auction(eventId, timestamp));
    } else {
      return Event.of(bid(eventId, timestamp));
    }
  }

  /** The kind of event {@code eventId} is, without making it. */
  public static Event.Type type(long eventId) {
    long rem = eventId % PROPORTION_DENOMINATOR;
    return rem < PERSON_PROPORTION ? Event.Type.PERSON
        : rem < PERSON_PROPORTION + AUCTION_PROPORTION ? Event.Type.AUCTION : Event.Type.BID;
  }

  private Person person(long eventId, long timestamp) {
    long id = lastBase0PersonId(eventId) + FIRST_PERSON_ID;
    String name = NAMES[rng.nextInt(NAMES.length)];
    String email = nextString(7) + "@" + nextString(5) + ".com";
    String card = creditCard();
    String city = US_CITIES[rng.nextInt(US_CITIES.length)];
    String state = US_STATES[rng.nextInt(US_STATES.length)];
    int size = 8 + name.length() + email.length() + card.length() + city.length() + state.length();
    return new Person(id, name, email, card, city, state, timestamp, nextExtra(size, config.avgPersonByteSize()));
  }

  private Auction auction(long eventId, long timestamp) {
    long id = lastBase0AuctionId(eventId) + FIRST_AUCTION_ID;
    long seller;
    if (rng.nextInt(config.hotSellersRatio()) > 0) {
      seller = (lastBase0PersonId(eventId) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO;
    } else {
      seller = nextBase0PersonId(eventId);
    }
    seller += FIRST_PERSON_ID;
    long category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
    long initialBid = nextPrice();
    // auctions last on average as long as it takes to make numInFlightAuctions more auctions
    long horizon = config.timestamp(eventId + eventsForInFlightAuctions) - timestamp;
    long expires = timestamp + 1 + rng.nextLong(Math.max(horizon * 2, 1));
    String name = nextString(20);
    String desc = nextString(100);
    long reserve = initialBid + nextPrice();
    int size = 8 + name.length() + desc.length() + 8 + 8 + 8 + 8 + 8;
    return new Auction(id, name, desc, initialBid, reserve, timestamp, expires, seller, category,
        nextExtra(size, config.avgAuctionByteSize()));
  }

  private Bid bid(long eventId, long timestamp) {
    long auction;
    if (rng.nextInt(config.hotAuctionRatio()) > 0) {
      auction = (lastBase0AuctionId(eventId) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO;
    } else {
      auction = nextBase0AuctionId(eventId);
    }
    auction += FIRST_AUCTION_ID;
    long bidder;
    if (rng.nextInt(config.hotBiddersRatio()) > 0) {
      // the second person of the batch, so hot bidders and hot sellers differ
      bidder = (lastBase0PersonId(eventId) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1;
    } else {
      bidder = nextBase0PersonId(eventId);
    }
    bidder += FIRST_PERSON_ID;
    long price = nextPrice();
    String channel;
    String url;
    if (rng.nextInt(HOT_CHANNELS_RATIO) > 0) {
      int i = rng.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i];
      url = HOT_URLS[i];
    } else {
      int n = rng.nextInt(CHANNELS_NUMBER);
      channel = "channel-" + n;
      url = channelUrl(n);
    }
    return new Bid(auction, bidder, price, channel, url, timestamp, bidExtras[rng.nextInt(BID_EXTRAS)]);
  }

  /** The last person id (base 0) made at or before {@code eventId}. */
  static long lastBase0PersonId(long eventId) {
    long epoch = eventId / PROPORTION_DENOMINATOR;
    long offset = eventId % PROPORTION_DENOMINATOR;
    if (offset >= PERSON_PROPORTION) {
      offset = PERSON_PROPORTION - 1;
    }
    return epoch * PERSON_PROPORTION + offset;
  }

  /** The last auction id (base 0) made at or before {@code eventId}. */
  static long lastBase0AuctionId(long eventId) {
    long epoch = eventId / PROPORTION_DENOMINATOR;
    long offset = eventId % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) {
      epoch--;
      offset = AUCTION_PROPORTION - 1;
    } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
      offset = AUCTION_PROPORTION - 1;
    } else {
      offset -= PERSON_PROPORTION;
    }
    return epoch * AUCTION_PROPORTION + offset;
  }

  /** A random active person, or one of the next few not yet made. */
  private long nextBase0PersonId(long eventId) {
    long numPeople = lastBase0PersonId(eventId) + 1;
    long active = Math.min(numPeople, config.numActivePeople());
    return numPeople - active + rng.nextLong(active + PERSON_ID_LEAD);
  }

  /** A random auction of those likely still in flight, or one of the next few not yet made. */
  private long nextBase0AuctionId(long eventId) {
    long max = lastBase0AuctionId(eventId);
    long min = Math.max(max - config.numInFlightAuctions(), 0);
    return min + rng.nextLong(max - min + 1 + AUCTION_ID_LEAD);
  }

  private static final double LN_10 = Math.log(10.0);

  /** {@code round(10^(6u) * 100)} cents, as Beam's price (computed with {@code exp}, which is faster than {@code pow}). */
  private long nextPrice() {
    return Math.round(Math.exp(rng.nextDouble() * 6.0 * LN_10) * 100.0);
  }

  /** 3 to {@code maxLength - 1} letters and spaces, trimmed. */
  private String nextString(int maxLength) {
    int len = MIN_STRING_LENGTH + rng.nextInt(maxLength - MIN_STRING_LENGTH);
    int start = rng.nextInt(POOL - len);
    return WORDS.substring(start, start + len).trim();
  }

  /** Letters so that {@code currentSize} plus their length averages {@code averageSize}. */
  private String nextExtra(int currentSize, int averageSize) {
    if (currentSize > averageSize) {
      return "";
    }
    int desired = averageSize - currentSize;
    int delta = (int) Math.round(desired * 0.2);
    return letters(desired - delta, 2 * delta);
  }

  /** {@code min} plus a random number below {@code spread} (if positive) of letters. */
  private String letters(int min, int spread) {
    int len = min + (spread <= 0 ? 0 : rng.nextInt(spread));
    int start = rng.nextInt(POOL - len);
    return LETTERS.substring(start, start + len);
  }

  private String creditCard() {
    char[] c = new char[19];
    for (int g = 0; g < 4; g++) {
      int v = rng.nextInt(10_000);
      int at = g * 5;
      c[at] = (char) ('0' + v / 1000);
      c[at + 1] = (char) ('0' + v / 100 % 10);
      c[at + 2] = (char) ('0' + v / 10 % 10);
      c[at + 3] = (char) ('0' + v % 10);
      if (g < 3) {
        c[at + 4] = ' ';
      }
    }
    return new String(c);
  }

  private static String baseUrl(Rng r) {
    return "https://www.nexmark.com/" + pooled(r, 5) + "/" + pooled(r, 5) + "/" + pooled(r, 5) + "/item.htm?query=1";
  }

  /** The same url for the same channel number (Flink caches them; here they are derived). */
  private static String channelUrl(int channel) {
    Rng r = new Rng();
    r.reset(0xc4a77e1, channel);
    return baseUrl(r) + "&channel_id=" + Math.abs(Integer.reverse(channel));
  }

  private static String pooled(Rng r, int len) {
    int start = r.nextInt(POOL - len);
    return LETTERS.substring(start, start + len);
  }

  /** SplitMix64: a tiny, fast, seedable random-number stream. */
  static final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    void reset(long seed, long stream) {
      state = mix(seed * GOLDEN + mix(stream + GOLDEN));
    }

    long nextLong() {
      return mix(state += GOLDEN);
    }

    /** Uniform in {@code [0, bound)}, bound positive. */
    int nextInt(int bound) {
      return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    /** Uniform in {@code [0, bound)}, bound positive. */
    long nextLong(long bound) {
      if (bound <= Integer.MAX_VALUE) {
        return nextInt((int) bound);
      }
      return Math.floorMod(nextLong(), bound);
    }

    double nextDouble() {
      return (nextLong() >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
