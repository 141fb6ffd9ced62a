package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  static final SourceContext CONTEXT = new SourceContext() {
    @Override public int partition() { return 0; }
    @Override public int attempt() { return 1; }
    @Override public void badRecord(String raw, String position, String reason) {
      throw new AssertionError(reason);
    }
  };

  /** What one split emitted: events with timestamps, and watermarks. */
  static final class Captured implements SourceOutput<Event> {
    final List<Event> events = new ArrayList<>();
    final List<Long> timestamps = new ArrayList<>();
    final List<Long> watermarks = new ArrayList<>();

    @Override public void collect(Event record) { throw new AssertionError("timestamp expected"); }

    @Override public void collect(Event record, long timestamp) {
      events.add(record);
      timestamps.add(timestamp);
    }

    @Override public void emitWatermark(long watermark) { watermarks.add(watermark); }
  }

  static List<Captured> readAll(NexmarkSource source, int parallelism) throws Exception {
    List<Captured> out = new ArrayList<>();
    for (var split : source.splits(parallelism)) {
      Captured c = new Captured();
      try (SplitReader<Event> r = source.reader(split, CONTEXT)) {
        while (r.read(c)) {
          // next chunk
        }
      }
      out.add(c);
    }
    return out;
  }

  static List<Event> generate(GeneratorConfig config) {
    NexmarkGenerator g = new NexmarkGenerator(config);
    List<Event> all = new ArrayList<>();
    for (long id = 0; id < config.maxEvents(); id++) {
      all.add(g.event(id));
    }
    return all;
  }

  @Test
  void sameSeedSameEventsDifferentSeedOthers() {
    GeneratorConfig c = GeneratorConfig.defaults(2000);
    assertThat(generate(c)).isEqualTo(generate(c));
    List<Event> other = generate(c.withSeed(7));
    assertThat(other).hasSize(2000).isNotEqualTo(generate(c));
    // ids and timestamps follow the event id, not the seed
    assertThat(other.get(0).person().id()).isEqualTo(generate(c).get(0).person().id());
  }

  @Test
  void theSplitsTogetherMakeTheSameEventsWhateverTheParallelism() throws Exception {
    GeneratorConfig c = GeneratorConfig.defaults(10_007);
    Set<Event> expected = new HashSet<>(generate(c));
    assertThat(expected).hasSize(10_007);
    for (int p : new int[] {1, 2, 3, 8}) {
      List<Event> got = new ArrayList<>();
      for (Captured s : readAll(new NexmarkSource(c, 0), p)) {
        got.addAll(s.events);
      }
      assertThat(got).as("parallelism %d", p).hasSize(10_007);
      assertThat(new HashSet<>(got)).as("parallelism %d", p).isEqualTo(expected);
    }
  }

  @Test
  void onePersonThreeAuctionsFortySixBidsPerFifty() {
    List<Event> all = generate(GeneratorConfig.defaults(50 * 40));
    for (int block = 0; block < 40; block++) {
      List<Event> b = all.subList(block * 50, block * 50 + 50);
      assertThat(b.stream().filter(Event::isPerson).count()).isEqualTo(1);
      assertThat(b.stream().filter(Event::isAuction).count()).isEqualTo(3);
      assertThat(b.stream().filter(Event::isBid).count()).isEqualTo(46);
    }
    // dense ids from 1000
    assertThat(all.stream().filter(Event::isPerson).mapToLong(e -> e.person().id()).toArray()).containsExactly(
        java.util.stream.LongStream.range(1000, 1040).toArray());
    assertThat(all.stream().filter(Event::isAuction).mapToLong(e -> e.auction().id()).toArray()).containsExactly(
        java.util.stream.LongStream.range(1000, 1120).toArray());
  }

  @Test
  void valuesFollowTheModel() {
    List<Event> all = generate(GeneratorConfig.defaults(20_000));
    long maxPerson = 1000 + 20_000 / 50 - 1;
    for (Event e : all) {
      if (e.isAuction()) {
        Auction a = e.auction();
        assertThat(a.category()).isBetween(10L, 14L);
        assertThat(a.expires()).isGreaterThan(a.dateTime());
        assertThat(a.reserve()).isGreaterThanOrEqualTo(a.initialBid());
        assertThat(a.seller()).isBetween(1000L, maxPerson + 10);
      } else if (e.isBid()) {
        Bid b = e.bid();
        assertThat(b.price()).isBetween(100L, 100_000_000L);
        assertThat(b.channel()).isNotEmpty();
        assertThat(b.url()).startsWith("https://www.nexmark.com/");
      } else {
        assertThat(e.person().state()).isIn("AZ", "CA", "ID", "OR", "WA", "WY");
        assertThat(e.person().creditCard()).matches("\\d{4} \\d{4} \\d{4} \\d{4}");
      }
    }
    // hot auctions: about half the bids go to the current hot auction
    long hot = all.stream().filter(Event::isBid).filter(e -> e.bid().auction() % 100 == 0).count();
    assertThat(hot).isGreaterThan(all.size() / 4);
  }

  @Test
  void timestampsFollowTheEventIdAndNeverDecreasePerSplit() throws Exception {
    GeneratorConfig c = GeneratorConfig.defaults(5_000);
    NexmarkGenerator g = new NexmarkGenerator(c);
    assertThat(g.event(0).timestamp()).isEqualTo(c.baseTime());
    assertThat(g.event(4999).timestamp()).isEqualTo(c.baseTime() + 499);
    for (Captured s : readAll(new NexmarkSource(c, 0), 3)) {
      assertThat(s.timestamps).isSorted();
      assertThat(s.watermarks).isSorted().isNotEmpty();
      for (int i = 0; i < s.events.size(); i++) {
        assertThat(s.timestamps.get(i)).isEqualTo(s.events.get(i).timestamp());
      }
      // a watermark is below every later timestamp
      assertThat(s.watermarks.get(s.watermarks.size() - 1)).isLessThan(s.timestamps.get(s.timestamps.size() - 1));
    }
  }

  @Test
  void plainCollectorGetsEventsWithoutTimestamps() throws Exception {
    NexmarkSource source = new NexmarkSource(GeneratorConfig.defaults(100), 0);
    List<Event> got = new ArrayList<>();
    Collector<Event> c = got::add;
    try (SplitReader<Event> r = source.reader(source.splits(1).get(0), CONTEXT)) {
      while (r.read(c)) {
        // more
      }
    }
    assertThat(got).isEqualTo(generate(GeneratorConfig.defaults(100)));
    assertThat(source.blocking()).isFalse();
    assertThat(source.bounded()).isTrue();
    assertThat(new NexmarkSource(GeneratorConfig.defaults(0), 0).bounded()).isFalse();
  }

  @Test
  void rateLimitedSplitEmitsItsShareOverTime() throws Exception {
    // 2,000 events/s over 2 splits: a split has at most about what is due so far
    NexmarkSource source = new NexmarkSource(GeneratorConfig.defaults(0), 2_000);
    Captured c = new Captured();
    long t0 = System.nanoTime();
    try (SplitReader<Event> r = source.reader(source.splits(2).get(0), CONTEXT)) {
      for (int i = 0; i < 50; i++) {
        r.read(c);
        Thread.sleep(2);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat((double) c.events.size()).isLessThanOrEqualTo(1_000 * seconds + 2);
    assertThat(c.events).isNotEmpty();
  }

  @Test
  void counterCountsEmittedEvents() throws Exception {
    EventCounter counter = new EventCounter();
    NexmarkSource source = new NexmarkSource(GeneratorConfig.defaults(3_000), 0, counter);
    readAll(source, 2);
    assertThat(counter.get()).isEqualTo(3_000);
    counter.release();
  }
}
