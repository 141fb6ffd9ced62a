package dev.sluice.examples.clickstream;

import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Total and average dwell time per page and 1-minute tumbling event-time window, keyed by page; a
 * dwell time counts in the window of the click it belongs to ({@link Dwell#clickTime()}).
 *
 * <p>Design note. A click's dwell time is known when the session's next click comes (up to 30
 * minutes later in event time), and changes if a click arriving out of order comes in between
 * ({@link Dwell} carries such changes as deltas, which are summed), so a page window gets dwell times
 * after the watermark has passed its end, where a window operator would take them as late (and
 * re-emit per element within an allowed lateness). Instead, this function keeps each window's running
 * sums in map state and emits
 * a window when the watermark passes its end, then again, updated, at most once per second of event
 * time while dwell times for it still come in. The sink upserts by (page, window start), so the
 * table always holds the latest sums, and the final ones once the watermark is 30 minutes past the
 * window. A window's state is dropped when the watermark passes its end plus the session timeout:
 * no dwell time for it can arrive after that (a click at {@code t} gets no delta once the watermark
 * has passed {@code t + 30 min}: a click arriving later is more than 30 minutes after it).
 */
public final class PageDwellFunction extends KeyedProcessFunction<String, Dwell, PageDwell> {
  private static final long serialVersionUID = 1L;
  public static final long WINDOW_MS = 60_000;
  /** Updates of a window already emitted are coalesced to one per this much event time. */
  static final long UPDATE_EVERY_MS = 1_000;

  /** The running sums of one window; immutable (state values are shared with snapshots). */
  public record Sums(long totalDwellMs, long clicksWithDwell, boolean dirty) implements Serializable {}

  private transient MapState<Long, Sums> windows;

  @Override
  public void open(InitContext ctx) {
    windows = ctx.state(StateSpec.map("windows"));
  }

  /** The start of the 1-minute window holding {@code time}. */
  public static long windowStart(long time) {
    return Math.floorDiv(time, WINDOW_MS) * WINDOW_MS;
  }

  @Override
  public void processElement(Dwell d, Context<String> ctx, Collector<PageDwell> out) {
    Long start = windowStart(d.clickTime()); // boxed once for the get and the put
    Sums s = windows.get(start);
    long wm = ctx.timers().currentWatermark();
    boolean scheduled = s != null && s.dirty(); // a timer that emits these sums is pending (see onTimer)
    if (s == null) {
      s = new Sums(0, 0, true);
      ctx.timers().registerEventTimeTimer(start + WINDOW_MS + DwellFunction.SESSION_TIMEOUT_MS); // drop
    }
    windows.put(start, new Sums(s.totalDwellMs() + d.dwellMs(), s.clicksWithDwell() + d.clicks(), true));
    if (scheduled) {
      return;
    }
    long maxTimestamp = start + WINDOW_MS - 1;
    if (wm < maxTimestamp) {
      ctx.timers().registerEventTimeTimer(maxTimestamp); // first emission: when the window closes
    } else {
      ctx.timers().registerEventTimeTimer((Math.floorDiv(wm, UPDATE_EVERY_MS) + 1) * UPDATE_EVERY_MS); // an update
    }
  }

  @Override
  public void onTimer(long time, TimerContext<String> ctx, Collector<PageDwell> out) {
    List<Long> drop = new ArrayList<>();
    List<Map.Entry<Long, Sums>> emitted = new ArrayList<>();
    for (Map.Entry<Long, Sums> e : windows.entries()) {
      long start = e.getKey();
      Sums s = e.getValue();
      if (s.dirty() && start + WINDOW_MS - 1 <= time) {
        out.collect(new PageDwell(ctx.currentKey(), start, s.totalDwellMs(), s.clicksWithDwell()));
        emitted.add(e);
      }
      if (start + WINDOW_MS + DwellFunction.SESSION_TIMEOUT_MS <= time) {
        drop.add(start);
      }
    }
    for (Map.Entry<Long, Sums> e : emitted) {
      windows.put(e.getKey(), new Sums(e.getValue().totalDwellMs(), e.getValue().clicksWithDwell(), false));
    }
    for (Long start : drop) {
      windows.remove(start);
    }
  }
}
