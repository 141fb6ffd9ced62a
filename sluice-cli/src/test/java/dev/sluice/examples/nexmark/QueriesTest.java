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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every query against the plain-Java {@link Reference} over the same generated events: 20,000 events
 * over 20 s of event time (1,000 events/s), so the 10 s windows close several times, run in
 * streaming mode at parallelism 1, 2 and 3 (as many generator splits, whose events interleave in time).
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
  static <T> List<T> run(String query, int parallelism) {
    Pipeline p = Pipeline.create("nexmark-test-" + query);
    Dataset<Event> in = p.read(new NexmarkSource(CONFIG, 0));
    return (List<T>) Queries.build(query, in, PARAMS).collect(RunOptions.streaming().withParallelism(parallelism));
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q0PassesEveryEventThrough(int parallelism) {
    assertThat(QueriesTest.<Event>run("q0", parallelism)).containsExactlyInAnyOrderElementsOf(Reference.q0(events));
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q1ConvertsEveryBidsPrice(int parallelism) {
    assertThat(QueriesTest.<Bid>run("q1", parallelism)).containsExactlyInAnyOrderElementsOf(Reference.q1(events));
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q2SelectsBidsOfEvery123rdAuction(int parallelism) {
    List<Object> expected = new ArrayList<>(Reference.q2(events, PARAMS.q2Modulus()));
    assertThat(expected).isNotEmpty();
    assertThat(QueriesTest.<Object>run("q2", parallelism)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q3JoinsLocalSellersWithTheirCategory10Auctions(int parallelism) {
    List<Object> expected = new ArrayList<>(Reference.q3(events));
    assertThat(expected).isNotEmpty();
    assertThat(QueriesTest.<Object>run("q3", parallelism)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q4AveragesWinningPricesPerCategoryInAuctionEndOrder(int parallelism) {
    List<CategoryPrice> expected = Reference.q4(events);
    assertThat(expected).hasSizeGreaterThan(20);
    List<CategoryPrice> got = run("q4", parallelism);
    // per category, in order (the rows of one category come from one task, in auction-end order)
    assertThat(byKey(got, CategoryPrice::category)).isEqualTo(byKey(expected, CategoryPrice::category));
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q5FindsTheAuctionsWithTheMostBidsPerSlidingWindow(int parallelism) {
    List<Object> expected = new ArrayList<>(Reference.q5(events, PARAMS.q5Size(), PARAMS.q5Slide()));
    assertThat(expected).hasSizeGreaterThan(10);
    assertThat(QueriesTest.<Object>run("q5", parallelism)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q6AveragesTheLastTenWinningPricesPerSeller(int parallelism) {
    List<SellerPrice> expected = Reference.q6(events, PARAMS.q6Last());
    assertThat(expected).hasSizeGreaterThan(20);
    List<SellerPrice> got = run("q6", parallelism);
    assertThat(byKey(got, SellerPrice::seller)).isEqualTo(byKey(expected, SellerPrice::seller));
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q7FindsTheHighestBidsPerTumblingWindow(int parallelism) {
    List<Object> expected = new ArrayList<>(Reference.q7(events, PARAMS.q7Size()));
    assertThat(expected).hasSizeGreaterThanOrEqualTo(2);
    assertThat(QueriesTest.<Object>run("q7", parallelism)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "parallelism {0}")
  @ValueSource(ints = {1, 2, 3})
  void q8FindsPeopleWhoOpenedAnAuctionInTheWindowTheyJoined(int parallelism) {
    List<Object> expected = new ArrayList<>(Reference.q8(events, PARAMS.q8Size()));
    assertThat(expected).isNotEmpty();
    assertThat(QueriesTest.<Object>run("q8", parallelism)).containsExactlyInAnyOrderElementsOf(expected);
  }

  static <T> Map<Long, List<T>> byKey(List<T> rows, java.util.function.ToLongFunction<T> key) {
    return rows.stream().collect(Collectors.groupingBy(key::applyAsLong, Collectors.toList()));
  }
}
