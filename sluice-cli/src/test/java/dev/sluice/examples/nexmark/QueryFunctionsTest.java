package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.keyed.KeyedProcessOperator;
import dev.sluice.examples.nexmark.Results.WinningBid;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The queries' keyed process functions driven by hand through the keyed process operator, with the
 * events of two generator splits interleaved as the streaming runtime would deliver them (each split
 * in order, the watermark the minimum of the splits'), against the plain-Java {@link Reference}.
 */
class QueryFunctionsTest {
  static final GeneratorConfig CONFIG = GeneratorConfig.defaults(20_000).withEventTimeRate(1_000);

  static OperatorDriver driver(KeyedProcessFunction<?, ?, ?> fn) throws Exception {
    return new OperatorDriver(new KeyedProcessOperator(new Op.KeyedProcess(x -> x, fn))).open();
  }

  /** Feeds the relevant events of two splits, 300 at a time from each in turn, with watermarks. */
  static List<Object> drive(KeyedProcessFunction<?, ?, ?> fn, Predicate<Event> relevant, Function<Event, Object> key)
      throws Exception {
    List<GeneratorTest.Captured> splits = GeneratorTest.readAll(new NexmarkSource(CONFIG, 0), 2);
    OperatorDriver d = driver(fn);
    int[] at = new int[2];
    long[] wm = {Long.MIN_VALUE, Long.MIN_VALUE};
    long lastWm = Long.MIN_VALUE;
    // the second split runs ahead: its chunks are fed first
    while (at[0] < splits.get(0).events.size() || at[1] < splits.get(1).events.size()) {
      for (int s = 1; s >= 0; s--) {
        List<Event> ev = splits.get(s).events;
        int end = Math.min(ev.size(), at[s] + 300);
        for (int i = at[s]; i < end; i++) {
          Event e = ev.get(i);
          if (relevant.test(e)) {
            d.element(key.apply(e), e, e.timestamp());
          }
          wm[s] = e.timestamp() - 1;
        }
        at[s] = end;
        if (end == ev.size()) {
          wm[s] = Long.MAX_VALUE - 1;
        }
      }
      long w = Math.min(wm[0], wm[1]);
      if (w > lastWm) {
        d.watermark(w);
        lastWm = w;
      }
    }
    d.watermark(Long.MAX_VALUE);
    d.endInput(1);
    List<Object> out = new ArrayList<>(d.values());
    d.close();
    return out;
  }

  @Test
  void q3JoinMatchesTheReference() throws Exception {
    List<Event> events = GeneratorTest.generate(CONFIG);
    List<Object> got = drive(new Queries.SellerJoin(), Queries::q3Relevant,
        e -> e.person() != null ? e.person().id() : e.auction().seller());
    assertThat(got).isNotEmpty().containsExactlyInAnyOrderElementsOf(new ArrayList<>(Reference.q3(events)));
  }

  @Test
  void winningBidsMatchTheReference() throws Exception {
    List<Event> events = GeneratorTest.generate(CONFIG);
    List<Object> got = drive(new Queries.WinningBids(), e -> e.bid() != null || e.auction() != null,
        e -> e.auction() != null ? e.auction().id() : e.bid().auction());
    List<WinningBid> expected = Reference.winningBids(events);
    assertThat(expected).hasSizeGreaterThan(50);
    assertThat(got).containsExactlyInAnyOrderElementsOf(new ArrayList<>(expected));
  }

  @Test
  void q6AppliesWinningBidsInAuctionEndOrderWhateverTheArrivalOrder() throws Exception {
    List<Event> events = GeneratorTest.generate(CONFIG);
    List<WinningBid> winners = Reference.winningBids(events);
    OperatorDriver d = driver(new Queries.SellerAverage(10));
    // arrive in reverse order within each 2-second stretch; the watermark follows each stretch
    int i = 0;
    while (i < winners.size()) {
      long stretch = winners.get(i).auction().expires() / 2000;
      int j = i;
      while (j < winners.size() && winners.get(j).auction().expires() / 2000 == stretch) {
        j++;
      }
      for (int k = j - 1; k >= i; k--) {
        WinningBid w = winners.get(k);
        d.element(w.auction().seller(), w, w.auction().expires());
      }
      d.watermark((stretch + 1) * 2000 - 1);
      i = j;
    }
    d.watermark(Long.MAX_VALUE);
    d.endInput(1);
    assertThat(QueriesTest.byKey(d.values().stream().map(o -> (Results.SellerPrice) o).toList(), Results.SellerPrice::seller))
        .isEqualTo(QueriesTest.byKey(Reference.q6(events, 10), Results.SellerPrice::seller));
  }
}
