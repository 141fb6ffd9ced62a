package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Dataset;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.examples.nexmark.Results.CategoryPrice;
import dev.sluice.examples.nexmark.Results.SellerPrice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every query against the plain-Java {@link Reference} over the same generated events: 20,000 events
 * over 20 s of event time (1,000 events/s), so the 10 s windows close several times, run in
 * streaming mode at parallelism 2 (two generator splits whose events interleave in time).
 */
class QueriesTest {
  static final GeneratorConfig CONFIG = GeneratorConfig.defaults(20_000).withEventTimeRate(1_000);
  static final Queries.Params PARAMS = Queries.Params.defaults();
  static List<Event> events;

  @BeforeAll
  static void generate() {
    events = GeneratorTest.generate(CONFIG);
  }

  @SuppressWarnings("unchecked")
  static <T> List<T> run(String query) {
    Pipeline p = Pipeline.create("nexmark-test-" + query);
    Dataset<Event> in = p.read(new NexmarkSource(CONFIG, 0));
    return (List<T>) Queries.build(query, in, PARAMS).collect(RunOptions.streaming().withParallelism(2));
  }

  @Test
  void q0PassesEveryEventThrough() {
    assertThat(QueriesTest.<Event>run("q0")).containsExactlyInAnyOrderElementsOf(Reference.q0(events));
  }

  @Test
  void q1ConvertsEveryBidsPrice() {
    assertThat(QueriesTest.<Bid>run("q1")).containsExactlyInAnyOrderElementsOf(Reference.q1(events));
  }

  @Test
  void q2SelectsBidsOfEvery123rdAuction() {
    List<Object> expected = new ArrayList<>(Reference.q2(events, PARAMS.q2Modulus()));
    assertThat(expected).isNotEmpty();
    assertThat(QueriesTest.<Object>run("q2")).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void q3JoinsLocalSellersWithTheirCategory10Auctions() {
    List<Object> expected = new ArrayList<>(Reference.q3(events));
    assertThat(expected).isNotEmpty();
    assertThat(QueriesTest.<Object>run("q3")).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void q4AveragesWinningPricesPerCategoryInAuctionEndOrder() {
    List<CategoryPrice> expected = Reference.q4(events);
    assertThat(expected).hasSizeGreaterThan(20);
    List<CategoryPrice> got = run("q4");
    // per category, in order (the rows of one category come from one task, in auction-end order)
    assertThat(byKey(got, CategoryPrice::category)).isEqualTo(byKey(expected, CategoryPrice::category));
  }

  @Test
  void q5FindsTheAuctionsWithTheMostBidsPerSlidingWindow() {
    List<Object> expected = new ArrayList<>(Reference.q5(events, PARAMS.q5Size(), PARAMS.q5Slide()));
    assertThat(expected).hasSizeGreaterThan(10);
    assertThat(QueriesTest.<Object>run("q5")).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void q6AveragesTheLastTenWinningPricesPerSeller() {
    List<SellerPrice> expected = Reference.q6(events, PARAMS.q6Last());
    assertThat(expected).hasSizeGreaterThan(20);
    List<SellerPrice> got = run("q6");
    assertThat(byKey(got, SellerPrice::seller)).isEqualTo(byKey(expected, SellerPrice::seller));
  }

  @Test
  void q7FindsTheHighestBidsPerTumblingWindow() {
    List<Object> expected = new ArrayList<>(Reference.q7(events, PARAMS.q7Size()));
    assertThat(expected).hasSizeGreaterThanOrEqualTo(2);
    assertThat(QueriesTest.<Object>run("q7")).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void q8FindsPeopleWhoOpenedAnAuctionInTheWindowTheyJoined() {
    List<Object> expected = new ArrayList<>(Reference.q8(events, PARAMS.q8Size()));
    assertThat(expected).isNotEmpty();
    assertThat(QueriesTest.<Object>run("q8")).containsExactlyInAnyOrderElementsOf(expected);
  }

  static <T> Map<Long, List<T>> byKey(List<T> rows, java.util.function.ToLongFunction<T> key) {
    return rows.stream().collect(Collectors.groupingBy(key::applyAsLong, Collectors.toList()));
  }
}
