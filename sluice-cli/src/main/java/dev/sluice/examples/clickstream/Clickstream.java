package dev.sluice.examples.clickstream;

import dev.sluice.api.Dataset;
import dev.sluice.api.Pipeline;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.window.Windows;
import dev.sluice.io.GeneratorSource;
import dev.sluice.io.Sources;
import java.time.Duration;

/**
 * The clickstream job of {@code sluice demo}: clicks (generated or from Kafka) with event-time
 * watermarks, then
 * <ul>
 *   <li>per user and 1-minute tumbling event-time window, the number of clicks (a window operator),
 *       into {@code user_clicks};</li>
 *   <li>per click, its dwell time ({@link DwellFunction}, keyed by user and session), then per page
 *       and 1-minute window, total and average dwell time ({@link PageDwellFunction}), into
 *       {@code page_dwell}.</li>
 * </ul>
 */
public final class Clickstream {
  /** The job name; its checkpoints live under {@code <checkpoint dir>/clickstream}. */
  public static final String JOB = "clickstream";
  public static final Duration WINDOW = Duration.ofMillis(PageDwellFunction.WINDOW_MS);

  private Clickstream() {}

  /** A pipeline with the job's types registered. */
  public static Pipeline pipeline() {
    Pipeline p = Pipeline.create(JOB);
    p.registerType(Click.class).registerType(Dwell.class).registerType(UserClicks.class).registerType(PageDwell.class)
        .registerType(PageDwellFunction.Sums.class).registerType(DwellFunction.Session.class)
        .registerCodec(DwellFunction.Session.class, new DwellFunction.SessionCodec());
    return p;
  }

  /**
   * The generator source: {@code events} clicks (0: unbounded) at {@code rate} per second (0: as fast
   * as possible), with the generator's event times (no watermarks: see {@link #generated}).
   */
  public static GeneratorSource<Click> generatorSource(ClickGenerator gen, long events, long rate) {
    GeneratorSource<Click> s = Sources.generator(gen).withUnorderedTimestamps(gen).ratePerSecond(rate);
    return events > 0 ? s.count(events) : s;
  }

  /** Generated clicks with watermarks that trail the largest event time by the generator's bound. */
  public static Dataset<Click> generated(Pipeline p, ClickGenerator gen, long events, long rate) {
    return p.read(generatorSource(gen, events, rate)).withWatermarks(
        WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(ClickGenerator.MAX_OUT_OF_ORDER_MS)));
  }

  /** Appends both computations to {@code clicks} (which must carry event times and watermarks). */
  public static Pipeline build(Dataset<Click> clicks, Sink<? super UserClicks> userClicks,
      Sink<? super PageDwell> pageDwell) {
    clicks.keyBy(Click::userId)
        .window(Windows.tumbling(WINDOW))
        .count()
        .map(w -> new UserClicks(w.key(), w.window().start(), w.value()))
        .named("userClicks")
        .write(userClicks);
    clicks.keyBy(Click::sessionKey)
        .process(new DwellFunction())
        .named("dwell")
        .keyBy(Dwell::page)
        .process(new PageDwellFunction())
        .named("pageDwell")
        .write(pageDwell);
    return clicks.pipeline();
  }
}
