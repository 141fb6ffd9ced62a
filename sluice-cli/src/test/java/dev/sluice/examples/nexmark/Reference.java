package dev.sluice.examples.nexmark;

import dev.sluice.examples.nexmark.Results.AuctionPrice;
import dev.sluice.examples.nexmark.Results.CategoryPrice;
import dev.sluice.examples.nexmark.Results.HighestBid;
import dev.sluice.examples.nexmark.Results.HotItem;
import dev.sluice.examples.nexmark.Results.IdNameReserve;
import dev.sluice.examples.nexmark.Results.NameCityStateId;
import dev.sluice.examples.nexmark.Results.SellerPrice;
import dev.sluice.examples.nexmark.Results.WinningBid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The queries in plain Java over the whole list of events: what the pipelines must produce. */
final class Reference {
  private Reference() {}

  static List<Event> q0(List<Event> events) {
    return events;
  }

  static List<Bid> q1(List<Event> events) {
    List<Bid> out = new ArrayList<>();
    for (Event e : events) {
      if (e.isBid()) {
        Bid b = e.bid();
        out.add(new Bid(b.auction(), b.bidder(), b.price() * 89 / 100, b.channel(), b.url(), b.dateTime(), b.extra()));
      }
    }
    return out;
  }

  static List<AuctionPrice> q2(List<Event> events, long modulus) {
    List<AuctionPrice> out = new ArrayList<>();
    for (Event e : events) {
      if (e.isBid() && e.bid().auction() % modulus == 0) {
        out.add(new AuctionPrice(e.bid().auction(), e.bid().price()));
      }
    }
    return out;
  }

  static List<NameCityStateId> q3(List<Event> events) {
    Map<Long, Person> people = new HashMap<>();
    for (Event e : events) {
      if (e.isPerson() && List.of("OR", "ID", "CA").contains(e.person().state())) {
        people.put(e.person().id(), e.person());
      }
    }
    List<NameCityStateId> out = new ArrayList<>();
    for (Event e : events) {
      if (e.isAuction() && e.auction().category() == 10) {
        Person p = people.get(e.auction().seller());
        if (p != null) {
          out.add(new NameCityStateId(p.name(), p.city(), p.state(), e.auction().id()));
        }
      }
    }
    return out;
  }

  /** Winning bids in order of (auction end, auction id). */
  static List<WinningBid> winningBids(List<Event> events) {
    Map<Long, Auction> auctions = new HashMap<>();
    for (Event e : events) {
      if (e.isAuction()) {
        auctions.put(e.auction().id(), e.auction());
      }
    }
    Map<Long, Bid> best = new HashMap<>();
    for (Event e : events) {
      if (e.isBid()) {
        Auction a = auctions.get(e.bid().auction());
        if (a != null && Queries.valid(a, e.bid()) && Queries.better(e.bid(), best.get(a.id()))) {
          best.put(a.id(), e.bid());
        }
      }
    }
    List<WinningBid> out = new ArrayList<>();
    best.forEach((id, b) -> out.add(new WinningBid(auctions.get(id), b)));
    out.sort(Comparator.<WinningBid>comparingLong(w -> w.auction().expires()).thenComparingLong(w -> w.auction().id()));
    return out;
  }

  static List<CategoryPrice> q4(List<Event> events) {
    Map<Long, long[]> totals = new HashMap<>();
    List<CategoryPrice> out = new ArrayList<>();
    for (WinningBid w : winningBids(events)) {
      long[] t = totals.computeIfAbsent(w.auction().category(), k -> new long[2]);
      t[0] += w.bid().price();
      t[1]++;
      out.add(new CategoryPrice(w.auction().category(), Math.round((double) t[0] / t[1]), t[1]));
    }
    return out;
  }

  static List<HotItem> q5(List<Event> events, Duration size, Duration slide) {
    long sz = size.toMillis();
    long sl = slide.toMillis();
    // window start -> auction -> count
    TreeMap<Long, Map<Long, Long>> counts = new TreeMap<>();
    for (Event e : events) {
      if (e.isBid()) {
        long ts = e.timestamp();
        for (long start = ts - Math.floorMod(ts, sl); start > ts - sz; start -= sl) {
          counts.computeIfAbsent(start, k -> new HashMap<>()).merge(e.bid().auction(), 1L, Long::sum);
        }
      }
    }
    List<HotItem> out = new ArrayList<>();
    counts.forEach((start, perAuction) -> {
      long max = perAuction.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      perAuction.entrySet().stream().filter(x -> x.getValue() == max).map(Map.Entry::getKey).sorted()
          .forEach(a -> out.add(new HotItem(start, start + sz, a, max)));
    });
    return out;
  }

  static List<SellerPrice> q6(List<Event> events, int last) {
    Map<Long, List<Long>> prices = new HashMap<>();
    List<SellerPrice> out = new ArrayList<>();
    for (WinningBid w : winningBids(events)) {
      List<Long> ps = prices.computeIfAbsent(w.auction().seller(), k -> new ArrayList<>());
      ps.add(w.bid().price());
      if (ps.size() > last) {
        ps.remove(0);
      }
      long sum = ps.stream().mapToLong(Long::longValue).sum();
      out.add(new SellerPrice(w.auction().seller(), Math.round((double) sum / ps.size())));
    }
    return out;
  }

  static List<HighestBid> q7(List<Event> events, Duration size) {
    long sz = size.toMillis();
    TreeMap<Long, List<Bid>> top = new TreeMap<>();
    for (Event e : events) {
      if (e.isBid()) {
        long start = e.timestamp() - Math.floorMod(e.timestamp(), sz);
        List<Bid> t = top.computeIfAbsent(start, k -> new ArrayList<>());
        if (t.isEmpty() || e.bid().price() > t.get(0).price()) {
          t.clear();
          t.add(e.bid());
        } else if (e.bid().price() == t.get(0).price()) {
          t.add(e.bid());
        }
      }
    }
    List<HighestBid> out = new ArrayList<>();
    top.forEach((start, bids) -> bids.stream()
        .sorted(Comparator.comparingLong(Bid::auction).thenComparingLong(Bid::bidder).thenComparingLong(Bid::dateTime))
        .forEach(b -> out.add(new HighestBid(start, start + sz, b.auction(), b.bidder(), b.price(), b.dateTime()))));
    return out;
  }

  static List<IdNameReserve> q8(List<Event> events, Duration size) {
    long sz = size.toMillis();
    Map<List<Long>, Person> people = new LinkedHashMap<>();
    for (Event e : events) {
      if (e.isPerson()) {
        long start = e.timestamp() - Math.floorMod(e.timestamp(), sz);
        people.put(List.of(start, e.person().id()), e.person());
      }
    }
    List<IdNameReserve> out = new ArrayList<>();
    for (Event e : events) {
      if (e.isAuction()) {
        long start = e.timestamp() - Math.floorMod(e.timestamp(), sz);
        Person p = people.get(List.of(start, e.auction().seller()));
        if (p != null) {
          out.add(new IdNameReserve(p.id(), p.name(), e.auction().reserve(), start));
        }
      }
    }
    return out;
  }
}
