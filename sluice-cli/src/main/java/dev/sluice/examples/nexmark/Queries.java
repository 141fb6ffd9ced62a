package dev.sluice.examples.nexmark;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Dataset;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.examples.nexmark.Results.AuctionPrice;
import dev.sluice.examples.nexmark.Results.CategoryPrice;
import dev.sluice.examples.nexmark.Results.HighestBid;
import dev.sluice.examples.nexmark.Results.HotItem;
import dev.sluice.examples.nexmark.Results.IdNameReserve;
import dev.sluice.examples.nexmark.Results.NameCityStateId;
import dev.sluice.examples.nexmark.Results.SellerPrice;
import dev.sluice.examples.nexmark.Results.WinningBid;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * NEXMark queries q0..q8 as Sluice pipelines, after Beam's definitions. Each takes the event stream
 * (with event timestamps and watermarks) and returns the result rows of {@link Results}.
 */
public final class Queries {
  private Queries() {}

  public static final List<String> NAMES = List.of("q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8");

  /**
   * Query parameters; the defaults are Beam's.
   *
   * @param q2Modulus q2 keeps bids whose auction id is a multiple of this
   * @param q5Size q5's sliding window size
   * @param q5Slide q5's window slide
   * @param q7Size q7's tumbling window size
   * @param q8Size q8's tumbling window size
   * @param q6Last q6 averages over this many of a seller's last closed auctions
   */
  public record Params(long q2Modulus, Duration q5Size, Duration q5Slide, Duration q7Size, Duration q8Size, int q6Last)
      implements Serializable {
    public static Params defaults() {
      return new Params(123, Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(10),
          Duration.ofSeconds(10), 10);
    }
  }

  /** The query named {@code q0}..{@code q8}. */
  public static Dataset<?> build(String query, Dataset<Event> events, Params params) {
    return switch (query.toLowerCase(Locale.ROOT)) {
      case "q0" -> q0(events);
      case "q1" -> q1(events);
      case "q2" -> q2(events, params.q2Modulus());
      case "q3" -> q3(events);
      case "q4" -> q4(events);
      case "q5" -> q5(events, params.q5Size(), params.q5Slide());
      case "q6" -> q6(events, params.q6Last());
      case "q7" -> q7(events, params.q7Size());
      case "q8" -> q8(events, params.q8Size());
      default -> throw new IllegalArgumentException("unknown query '" + query + "'; choose one of " + NAMES);
    };
  }

  /** q0, pass-through: every event unchanged (measures the cost of the source, the runtime and the sink). */
  public static Dataset<Event> q0(Dataset<Event> events) {
    return events.map(e -> e).named("q0");
  }

  /** q1, currency conversion: every bid with its price converted (dollars to euros, {@code price * 89 / 100}). */
  public static Dataset<Bid> q1(Dataset<Event> events) {
    return events.<Bid>flatMap((e, out) -> {
      Bid b = e.bid();
      if (b != null) {
        out.collect(new Bid(b.auction(), b.bidder(), b.price() * 89 / 100, b.channel(), b.url(), b.dateTime(), b.extra()));
      }
    }).named("q1");
  }

  /** q2, selection: auction and price of the bids on auctions whose id is a multiple of {@code modulus}. */
  public static Dataset<AuctionPrice> q2(Dataset<Event> events, long modulus) {
    if (modulus < 1) {
      throw new IllegalArgumentException("q2 modulus must be positive, was " + modulus);
    }
    return events.<AuctionPrice>flatMap((e, out) -> {
      Bid b = e.bid();
      if (b != null && b.auction() % modulus == 0) {
        out.collect(new AuctionPrice(b.auction(), b.price()));
      }
    }).named("q2");
  }

  /**
   * q3, local item suggestion: people in OR, ID or CA and their auctions in category 10, joined
   * incrementally on seller = person id (whichever arrives first waits in keyed state).
   */
  public static Dataset<NameCityStateId> q3(Dataset<Event> events) {
    return events.filter(Queries::q3Relevant).named("q3-filter")
        .keyBy(e -> e.person() != null ? e.person().id() : e.auction().seller())
        .process(new SellerJoin()).named("q3");
  }

  static boolean q3Relevant(Event e) {
    if (e.person() != null) {
      String s = e.person().state();
      return "OR".equals(s) || "ID".equals(s) || "CA".equals(s);
    }
    return e.auction() != null && e.auction().category() == 10;
  }

  /** q3's join: the person of a key, and the auctions that arrived before them. */
  static final class SellerJoin extends KeyedProcessFunction<Long, Event, NameCityStateId> {
    private transient ValueState<Person> person;
    private transient ListState<Auction> waiting;

    @Override
    public void open(InitContext ctx) {
      person = ctx.state(StateSpec.value("person"));
      waiting = ctx.state(StateSpec.list("auctions"));
    }

    @Override
    public void processElement(Event e, Context<Long> ctx, Collector<NameCityStateId> out) {
      if (e.person() != null) {
        Person p = e.person();
        person.update(p);
        for (Auction a : waiting.get()) {
          out.collect(new NameCityStateId(p.name(), p.city(), p.state(), a.id()));
        }
        waiting.clear();
      } else {
        Person p = person.value();
        if (p != null) {
          out.collect(new NameCityStateId(p.name(), p.city(), p.state(), e.auction().id()));
        } else {
          waiting.add(e.auction());
        }
      }
    }
  }

  /**
   * The winning bid of each auction: the highest bid (ties: earliest, then lowest bidder) made while
   * the auction was open ({@code dateTime <= bid < expires}) at or above its reserve; emitted when
   * the watermark passes the auction's end, with that time. Auctions without such a bid emit nothing.
   */
  public static Dataset<WinningBid> winningBids(Dataset<Event> events) {
    return events.filter(e -> e.bid() != null || e.auction() != null).named("winning-bids-filter")
        .keyBy(e -> e.auction() != null ? e.auction().id() : e.bid().auction())
        .process(new WinningBids()).named("winning-bids");
  }

  /** Whether bid {@code b} may win auction {@code a}. */
  public static boolean valid(Auction a, Bid b) {
    return b.dateTime() >= a.dateTime() && b.dateTime() < a.expires() && b.price() >= a.reserve();
  }

  /** Whether {@code b} beats {@code best} (null beats nothing): higher price, then earlier, then lower bidder. */
  public static boolean better(Bid b, Bid best) {
    if (best == null) {
      return true;
    }
    if (b.price() != best.price()) {
      return b.price() > best.price();
    }
    if (b.dateTime() != best.dateTime()) {
      return b.dateTime() < best.dateTime();
    }
    return b.bidder() < best.bidder();
  }

  /** Keyed by auction id: the auction, its best valid bid so far, and bids that came before the auction. */
  static final class WinningBids extends KeyedProcessFunction<Long, Event, WinningBid> {
    private transient ValueState<Auction> auction;
    private transient ValueState<Bid> best;
    private transient ListState<Bid> early;

    @Override
    public void open(InitContext ctx) {
      auction = ctx.state(StateSpec.value("auction"));
      best = ctx.state(StateSpec.value("best"));
      early = ctx.state(StateSpec.list("early"));
    }

    @Override
    public void processElement(Event e, Context<Long> ctx, Collector<WinningBid> out) {
      if (e.auction() != null) {
        Auction a = e.auction();
        auction.update(a);
        Bid top = null;
        for (Bid b : early.get()) {
          if (valid(a, b) && better(b, top)) {
            top = b;
          }
        }
        early.clear();
        if (top != null) {
          best.update(top);
        }
        ctx.timers().registerEventTimeTimer(a.expires());
      } else {
        Bid b = e.bid();
        Auction a = auction.value();
        if (a == null) {
          // the auction may still come (from another split); once the watermark passes this bid's
          // time, an auction that comes later starts after the bid, so the bid can be dropped
          early.add(b);
          ctx.timers().registerEventTimeTimer(b.dateTime());
        } else if (valid(a, b) && better(b, best.value())) {
          best.update(b);
        }
      }
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Long> ctx, Collector<WinningBid> out) {
      Auction a = auction.value();
      if (a == null) {
        // bids up to the watermark can no longer meet their auction; later ones still can
        long wm = Math.max(timestamp, ctx.timers().currentWatermark());
        List<Bid> keep = new ArrayList<>();
        for (Bid b : early.get()) {
          if (b.dateTime() > wm) {
            keep.add(b);
          }
        }
        if (keep.isEmpty()) {
          early.clear();
        } else {
          early.update(keep);
        }
      } else if (timestamp >= a.expires()) {
        Bid b = best.value();
        if (b != null) {
          out.collect(new WinningBid(a, b));
        }
        auction.clear();
        best.clear();
        early.clear();
      }
    }
  }

  /**
   * Applies winning bids per key in event-time order, (auction end, auction id), whatever order
   * they arrive in from the tasks upstream: each waits until the watermark reaches its auction's end.
   */
  abstract static class InAuctionEndOrder<R> extends KeyedProcessFunction<Long, WinningBid, R> {
    private static final Comparator<WinningBid> ORDER = Comparator
        .<WinningBid>comparingLong(w -> w.auction().expires()).thenComparingLong(w -> w.auction().id());
    private transient ListState<WinningBid> pending;

    @Override
    public void open(InitContext ctx) throws Exception {
      pending = ctx.state(StateSpec.list("pending"));
    }

    @Override
    public void processElement(WinningBid w, Context<Long> ctx, Collector<R> out) {
      pending.add(w);
      ctx.timers().registerEventTimeTimer(w.auction().expires());
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Long> ctx, Collector<R> out) throws Exception {
      // everything up to the watermark is complete (no more winners ending there can come): apply it
      // all now, so that the timers behind it find nothing to do (at the end of input the watermark
      // jumps to the end of time and every timer fires in turn)
      long upTo = Math.max(timestamp, ctx.timers().currentWatermark());
      List<WinningBid> due = new ArrayList<>();
      List<WinningBid> later = new ArrayList<>();
      for (WinningBid w : pending.get()) {
        (w.auction().expires() <= upTo ? due : later).add(w);
      }
      if (due.isEmpty()) {
        return;
      }
      due.sort(ORDER);
      if (later.isEmpty()) {
        pending.clear();
      } else {
        pending.update(later);
      }
      for (WinningBid w : due) {
        apply(w, ctx.currentKey(), out);
      }
    }

    abstract void apply(WinningBid w, Long key, Collector<R> out) throws Exception;
  }

  /** q4, average price per category: after each closed auction, the mean winning price of its category so far. */
  public static Dataset<CategoryPrice> q4(Dataset<Event> events) {
    return winningBids(events)
        .keyBy(w -> w.auction().category())
        .process(new CategoryAverage()).named("q4");
  }

  /** Sum and count of winning prices. */
  record SumCount(long sum, long count) implements Serializable {}

  static final class CategoryAverage extends InAuctionEndOrder<CategoryPrice> {
    private transient ValueState<SumCount> totals;

    @Override
    public void open(InitContext ctx) throws Exception {
      super.open(ctx);
      totals = ctx.state(StateSpec.value("totals"));
    }

    @Override
    void apply(WinningBid w, Long category, Collector<CategoryPrice> out) {
      SumCount t = totals.value();
      SumCount n = t == null ? new SumCount(w.bid().price(), 1) : new SumCount(t.sum() + w.bid().price(), t.count() + 1);
      totals.update(n);
      out.collect(new CategoryPrice(category, Math.round((double) n.sum() / n.count()), n.count()));
    }
  }

  /**
   * q5, hot items: the auction(s) with the most bids in each sliding window (bids counted per auction
   * and window, then the maximum picked per window when the watermark passes its end).
   */
  public static Dataset<HotItem> q5(Dataset<Event> events, Duration size, Duration slide) {
    return events.filter(e -> e.bid() != null).named("q5-bids")
        .keyBy(e -> e.bid().auction())
        .window(Windows.sliding(size, slide))
        .count()
        .keyBy(Windowed::window)
        .process(new HottestPerWindow()).named("q5");
  }

  static final class HottestPerWindow extends KeyedProcessFunction<Window, Windowed<Long, Long>, HotItem> {
    private transient ValueState<Long> max;
    private transient ListState<Long> auctions;

    @Override
    public void open(InitContext ctx) {
      max = ctx.state(StateSpec.value("max"));
      auctions = ctx.state(StateSpec.list("auctions"));
    }

    @Override
    public void processElement(Windowed<Long, Long> w, Context<Window> ctx, Collector<HotItem> out) {
      Long m = max.value();
      long c = w.value();
      if (m == null || c > m) {
        max.update(c);
        List<Long> only = new ArrayList<>(1);
        only.add(w.key());
        auctions.update(only);
        if (m == null) {
          ctx.timers().registerEventTimeTimer(w.window().maxTimestamp());
        }
      } else if (c == m) {
        auctions.add(w.key());
      }
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Window> ctx, Collector<HotItem> out) {
      Window w = ctx.currentKey();
      long count = max.value();
      List<Long> ids = new ArrayList<>();
      auctions.get().forEach(ids::add);
      ids.sort(null);
      for (long a : ids) {
        out.collect(new HotItem(w.start(), w.end(), a, count));
      }
      max.clear();
      auctions.clear();
    }
  }

  /** q6, average selling price by seller: after each closed auction, the mean of the seller's last {@code last} winning prices. */
  public static Dataset<SellerPrice> q6(Dataset<Event> events, int last) {
    if (last < 1) {
      throw new IllegalArgumentException("q6 needs at least one auction to average, was " + last);
    }
    return winningBids(events)
        .keyBy(w -> w.auction().seller())
        .process(new SellerAverage(last)).named("q6");
  }

  static final class SellerAverage extends InAuctionEndOrder<SellerPrice> {
    private final int last;
    private transient ValueState<long[]> prices;

    SellerAverage(int last) {
      this.last = last;
    }

    @Override
    public void open(InitContext ctx) throws Exception {
      super.open(ctx);
      prices = ctx.state(StateSpec.value("prices"));
    }

    @Override
    void apply(WinningBid w, Long seller, Collector<SellerPrice> out) {
      long[] old = prices.value();
      int n = old == null ? 0 : old.length;
      // the last (up to) `last` prices, oldest first; a new array each time, as state values are not mutated in place
      long[] now = new long[Math.min(n + 1, last)];
      int keep = now.length - 1;
      if (keep > 0) {
        System.arraycopy(old, n - keep, now, 0, keep);
      }
      now[keep] = w.bid().price();
      prices.update(now);
      long sum = 0;
      for (long p : now) {
        sum += p;
      }
      out.collect(new SellerPrice(seller, Math.round((double) sum / now.length)));
    }
  }

  /**
   * q7, highest bid: the bid(s) with the highest price in each tumbling window. Bids are first
   * reduced to their maximum per window in 128 buckets (by auction id, so the work spreads over
   * tasks), then the buckets' maxima are compared per window.
   */
  public static Dataset<HighestBid> q7(Dataset<Event> events, Duration size) {
    return events.<Bid>flatMap((e, out) -> {
      if (e.bid() != null) {
        out.collect(e.bid());
      }
    }).named("q7-bids")
        .keyBy(b -> (int) (b.auction() & 127))
        .window(Windows.tumbling(size))
        .aggregate(new MaxBids())
        .keyBy(Windowed::window)
        .process(new HighestPerWindow()).named("q7");
  }

  /** The highest price seen and the bids that have it. Mutable accumulator. */
  public static final class Top implements Serializable {
    public long price = Long.MIN_VALUE;
    public List<Bid> bids = new ArrayList<>(1);

    void offer(Bid b) {
      if (b.price() > price) {
        price = b.price();
        bids.clear();
        bids.add(b);
      } else if (b.price() == price) {
        bids.add(b);
      }
    }
  }

  static final class MaxBids implements Aggregation<Bid, Top, Top> {
    @Override public Top create() { return new Top(); }

    @Override
    public Top accumulate(Top acc, Bid b) {
      acc.offer(b);
      return acc;
    }

    @Override
    public Top combine(Top a, Top b) {
      for (Bid x : b.bids) {
        a.offer(x);
      }
      return a;
    }

    @Override public Top export(Top acc) { return acc; }

    @Override public String name() { return "maxPrice"; }
  }

  static final class HighestPerWindow extends KeyedProcessFunction<Window, Windowed<Integer, Top>, HighestBid> {
    private static final Comparator<Bid> ORDER = Comparator.comparingLong(Bid::auction)
        .thenComparingLong(Bid::bidder).thenComparingLong(Bid::dateTime);
    private transient ValueState<Top> top;

    @Override
    public void open(InitContext ctx) {
      top = ctx.state(StateSpec.value("top"));
    }

    @Override
    public void processElement(Windowed<Integer, Top> w, Context<Window> ctx, Collector<HighestBid> out) {
      Top t = top.value();
      if (t == null) {
        t = new Top();
        ctx.timers().registerEventTimeTimer(w.window().maxTimestamp());
      }
      for (Bid b : w.value().bids) {
        t.offer(b);
      }
      top.update(t);
    }

    @Override
    public void onTimer(long timestamp, TimerContext<Window> ctx, Collector<HighestBid> out) {
      Window w = ctx.currentKey();
      List<Bid> bids = new ArrayList<>(top.value().bids);
      bids.sort(ORDER);
      for (Bid b : bids) {
        out.collect(new HighestBid(w.start(), w.end(), b.auction(), b.bidder(), b.price(), b.dateTime()));
      }
      top.clear();
    }
  }

  /** q8, monitor new users: people who opened an auction in the tumbling window in which they registered. */
  public static Dataset<IdNameReserve> q8(Dataset<Event> events, Duration size) {
    Dataset<Person> persons = events.<Person>flatMap((e, out) -> {
      if (e.person() != null) {
        out.collect(e.person());
      }
    }).named("q8-persons");
    Dataset<Auction> auctions = events.<Auction>flatMap((e, out) -> {
      if (e.auction() != null) {
        out.collect(e.auction());
      }
    }).named("q8-auctions");
    return persons.<Long>keyBy(Person::id)
        .windowJoin(auctions.<Long>keyBy(Auction::seller), Windows.tumbling(size))
        .map(w -> new IdNameReserve(w.key(), w.value().left().name(), w.value().right().reserve(), w.window().start()))
        .named("q8");
  }
}
