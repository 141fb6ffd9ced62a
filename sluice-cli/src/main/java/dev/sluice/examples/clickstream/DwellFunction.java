package dev.sluice.examples.clickstream;

import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dwell times, keyed by {@link Click#sessionKey()} (user and session): a click's dwell time is the
 * event time until the same user's next click in the same session; a session closes after
 * {@link #SESSION_TIMEOUT_MS} (30 minutes) of inactivity, so a next click more than that later starts
 * over, and the last click of a session has no dwell time (nothing is emitted for it).
 *
 * <p>Design note. Clicks arrive out of event-time order, so they are buffered (list state) until the
 * watermark passes them: each click registers an event-time timer at its own time, and when a timer
 * fires every buffered click at or before it is taken in {@link Click#SESSION_ORDER} (event time,
 * then page and action for ties). Only then is the order final, because no click at or before the
 * watermark can still come. The last click taken stays in value state until the next one arrives (its
 * dwell is then emitted) or until a timer at its time plus the timeout fires (its session closed).
 * The result is therefore the same as sorting each session's clicks, whatever the arrival order or
 * the batching. A click that arrives behind the watermark (possible only with input that is more out
 * of order than the watermark allows, e.g. from Kafka) can no longer be ordered: it gets no dwell
 * time and is not the "next click" of another; such clicks are counted and logged, once per 10 000.
 *
 * <p>Emitted {@link Dwell}s carry the clicked page and the click's own event time, so the page
 * statistics put a dwell time in the window of the click it belongs to.
 */
public final class DwellFunction extends KeyedProcessFunction<String, Click, Dwell> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DwellFunction.class);
  /** 30 minutes. */
  public static final long SESSION_TIMEOUT_MS = 30 * 60 * 1000L;

  private transient ListState<Click> pending;
  private transient ValueState<Click> last;
  private transient long late;

  @Override
  public void open(InitContext ctx) {
    pending = ctx.state(StateSpec.list("pending"));
    last = ctx.state(StateSpec.value("last"));
  }

  @Override
  public void processElement(Click c, Context<String> ctx, Collector<Dwell> out) {
    if (c.eventTime() <= ctx.timers().currentWatermark()) {
      if (late++ % 10_000 == 0) {
        LOG.warn("click behind the watermark {} gets no dwell time (the input is more out of order than the watermark"
            + " allows; {} such clicks so far): {}", ctx.timers().currentWatermark(), late, c);
      }
      return;
    }
    pending.add(c);
    ctx.timers().registerEventTimeTimer(c.eventTime());
  }

  @Override
  public void onTimer(long time, TimerContext<String> ctx, Collector<Dwell> out) {
    List<Click> due = new ArrayList<>();
    List<Click> rest = new ArrayList<>();
    for (Click c : pending.get()) {
      (c.eventTime() <= time ? due : rest).add(c);
    }
    Click prev = last.value();
    Click before = prev;
    if (!due.isEmpty()) {
      due.sort(Click.SESSION_ORDER);
      for (Click c : due) {
        if (prev != null) {
          long gap = c.eventTime() - prev.eventTime();
          if (gap <= SESSION_TIMEOUT_MS) {
            out.collect(new Dwell(prev.page(), prev.eventTime(), gap));
          }
        }
        prev = c;
      }
      if (rest.isEmpty()) {
        pending.update(List.of());
      } else {
        pending.update(rest);
      }
    }
    if (prev != null && prev.eventTime() + SESSION_TIMEOUT_MS <= time) {
      prev = null; // the session closed: its last click has no dwell time
    }
    if (prev != before) {
      last.update(prev);
      if (prev != null) {
        ctx.timers().registerEventTimeTimer(prev.eventTime() + SESSION_TIMEOUT_MS);
      }
    }
  }
}
