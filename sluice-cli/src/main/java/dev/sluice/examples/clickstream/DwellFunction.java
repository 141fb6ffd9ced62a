package dev.sluice.examples.clickstream;

import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import java.io.Serializable;
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
 * <p>Design note. Clicks arrive out of event-time order, so they are buffered until the watermark
 * passes them; only then is their order final, because no click at or before the watermark can still
 * come. A key's state is one immutable {@link Session} value: the buffered clicks, the last click taken
 * in order and the key's single event-time timer, set to the earliest buffered click or, with none
 * buffered, to the last click's time plus the timeout (rounded up to the end of its second, see
 * {@link #tick}). When it fires, every buffered click at or
 * before the watermark is taken in {@link Click#SESSION_ORDER} (event time, then page and action for
 * ties); each emits the dwell time of the click before it. The last click stays until the next one is
 * taken (its dwell is then emitted) or the watermark passes its time plus the timeout (its session
 * closed; the state is cleared). One timer per key keeps the timer queue at one entry per open
 * session, not one per click.
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
  /** Timers are rounded up to the end of a second of event time. */
  static final long TICK_MS = 1_000;

  /**
   * A session's state: the clicks not yet behind the watermark (null for none), the page and time of
   * the last click taken in order ({@code lastPage} null before the first), and the one event-time
   * timer the key has registered. Only what a dwell time needs of the last click is kept, as state is
   * held for 30 minutes of event time per session and written at every checkpoint. Immutable: state
   * values are shared with checkpoint snapshots.
   */
  public record Session(List<Click> pending, String lastPage, long lastTime, long timer) implements Serializable {
    List<Click> pendingOrEmpty() {
      return pending == null ? List.of() : pending;
    }
  }

  private transient ValueState<Session> sessions;
  private transient long late;

  @Override
  public void open(InitContext ctx) {
    sessions = ctx.state(StateSpec.value("session"));
  }

  @Override
  public void processElement(Click c, Context<String> ctx, Collector<Dwell> out) {
    long wm = ctx.timers().currentWatermark();
    if (c.eventTime() <= wm) {
      if (late++ % 10_000 == 0) {
        LOG.warn("click behind the watermark {} gets no dwell time (the input is more out of order than the watermark"
            + " allows; {} such clicks so far): {}", wm, late, c);
      }
      return;
    }
    Session s = sessions.value();
    long due = tick(c.eventTime());
    if (s == null) {
      ctx.timers().registerEventTimeTimer(due);
      sessions.update(new Session(List.of(c), null, 0, due));
      return;
    }
    List<Click> before = s.pendingOrEmpty();
    List<Click> pending = new ArrayList<>(before.size() + 1);
    pending.addAll(before);
    pending.add(c);
    long timer = s.timer();
    if (due < timer) {
      ctx.timers().deleteEventTimeTimer(timer);
      ctx.timers().registerEventTimeTimer(due);
      timer = due;
    }
    sessions.update(new Session(pending, s.lastPage(), s.lastTime(), timer));
  }

  /**
   * The timer for something due at {@code time}: the end of its second of event time. Timers of many
   * keys then share a time (the timer queue holds few distinct times), and a key's buffered clicks
   * are taken at most once per second of event time; a later timer is harmless, as it takes
   * everything up to the watermark.
   */
  static long tick(long time) {
    long t = (Math.floorDiv(time, TICK_MS) + 1) * TICK_MS - 1;
    return t < time ? Long.MAX_VALUE : t;
  }

  /**
   * The key's timer: the earliest pending click, or the session's timeout. Everything at or before
   * the watermark (which may be well past the timer) is final and taken now.
   */
  @Override
  public void onTimer(long time, TimerContext<String> ctx, Collector<Dwell> out) {
    Session s = sessions.value();
    if (s == null) {
      return;
    }
    long wm = Math.max(time, ctx.timers().currentWatermark());
    List<Click> pending = s.pendingOrEmpty();
    List<Click> due = new ArrayList<>(pending.size());
    List<Click> rest = new ArrayList<>(0);
    for (Click c : pending) {
      (c.eventTime() <= wm ? due : rest).add(c);
    }
    String prevPage = s.lastPage();
    long prevTime = s.lastTime();
    if (due.size() > 1) {
      due.sort(Click.SESSION_ORDER);
    }
    for (Click c : due) {
      if (prevPage != null) {
        long gap = c.eventTime() - prevTime;
        if (gap <= SESSION_TIMEOUT_MS) {
          out.collect(new Dwell(prevPage, prevTime, gap));
        }
      }
      prevPage = c.page();
      prevTime = c.eventTime();
    }
    if (prevPage != null && prevTime + SESSION_TIMEOUT_MS <= wm) {
      prevPage = null; // the session closed: its last click has no dwell time
    }
    long next = Long.MAX_VALUE;
    for (Click c : rest) {
      next = Math.min(next, c.eventTime());
    }
    if (next == Long.MAX_VALUE && prevPage != null) {
      next = prevTime + SESSION_TIMEOUT_MS;
    }
    if (next != Long.MAX_VALUE) {
      next = tick(next);
    }
    if (next == Long.MAX_VALUE) {
      sessions.update(null);
      return;
    }
    if (next != time) {
      ctx.timers().registerEventTimeTimer(next);
    }
    sessions.update(new Session(rest.isEmpty() ? null : rest, prevPage, prevTime, next));
  }
}
