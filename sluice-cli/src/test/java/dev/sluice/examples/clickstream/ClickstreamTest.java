package dev.sluice.examples.clickstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clickstream pipeline against {@link ClickReference} for random seeds, generator speeds and
 * parallelisms, in streaming and micro-batch mode (which must give equal results).
 */
class ClickstreamTest {
  @TempDir Path tmp;

  record Result(Map<String, Long> users, Map<String, List<Long>> pages) {}

  static Result run(ClickGenerator gen, long events, RunOptions options) {
    CollectSink<UserClicks> users = new CollectSink<>();
    CollectSink<PageDwell> pages = new CollectSink<>();
    Pipeline p = Clickstream.pipeline();
    Clickstream.build(Clickstream.generated(p, gen, events, 0), users, pages);
    p.run(options);
    Map<String, Long> u = new TreeMap<>();
    for (UserClicks r : users.result()) {
      Long before = u.put(r.userId() + "|" + r.windowStart(), r.clicks());
      assertThat(before).as("user window emitted twice: %s", r).isNull();
    }
    // a page window is emitted when it closes and again as later dwell times come in; one page's
    // emissions come from one task in order, so its last emission holds the final sums (as the
    // upserted table does), and a window's count never falls
    Map<String, List<Long>> pg = new TreeMap<>();
    for (PageDwell r : pages.result()) {
      List<Long> before = pg.put(r.page() + "|" + r.windowStart(), List.of(r.totalDwellMs(), r.clicksWithDwell()));
      assertThat(before == null ? 0 : before.get(1)).as("clicks with dwell of %s", r).isLessThanOrEqualTo(r.clicksWithDwell());
    }
    return new Result(u, pg);
  }

  @Test
  void matchesTheReferenceForRandomSeedsInStreamingAndMicroBatchMode() {
    Random random = new Random(20261130);
    for (int round = 0; round < 3; round++) {
      long seed = random.nextLong();
      int perSecond = 200 + random.nextInt(800);
      long events = 40_000 + random.nextInt(40_000);
      int parallelism = 1 + random.nextInt(3);
      String what = "seed " + seed + ", " + perSecond + " clicks/s, " + events + " events, parallelism " + parallelism;
      ClickGenerator gen = new ClickGenerator(seed, perSecond);
      List<Click> clicks = ClickReference.generate(gen, events);
      Map<String, Long> users = ClickReference.userClicks(clicks);
      Map<String, List<Long>> pages = ClickReference.pageDwell(clicks);
      assertThat(pages.values().stream().mapToLong(v -> v.get(1)).sum()).as(what).isGreaterThan(events / 2);

      Result streaming = run(gen, events, RunOptions.streaming().withParallelism(parallelism));
      assertThat(streaming.users()).as("user_clicks, streaming, %s", what).isEqualTo(users);
      assertThat(streaming.pages()).as("page_dwell, streaming, %s", what).isEqualTo(pages);

      Path ck = tmp.resolve("ck-" + round);
      Result micro = run(gen, events, RunOptions.microBatch(Duration.ofMillis(20)).withParallelism(parallelism)
          .withTrigger(new RunOptions.Trigger(Duration.ofMillis(20), false).withMaxOffsetsPerSplit(7_000))
          .withCheckpointing(ck, Duration.ofMillis(20)));
      assertThat(micro.users()).as("user_clicks, micro-batch, %s", what).isEqualTo(users);
      assertThat(micro.pages()).as("page_dwell, micro-batch, %s", what).isEqualTo(pages);
    }
  }
}
