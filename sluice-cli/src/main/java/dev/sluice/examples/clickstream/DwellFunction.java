package dev.sluice.examples.clickstream;

import dev.sluice.api.codec.Codec;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dwell times, keyed by {@link Click#sessionKey()} (user and session): a click's dwell time is the
 * event time until the same user's next click in the same session; a session closes after
 * {@link #SESSION_TIMEOUT_MS} (30 minutes) of inactivity, so a next click more than that later starts
 * over, and the last click of a session has no dwell time.
 *
 * <p>Design note. Clicks arrive out of event-time order, so a click's successor may still come. Rather
 * than buffering every click until the watermark makes its order final (a timer and two state
 * accesses per click), each click is put into its place in the session at once and its effect is
 * emitted as {@link Dwell} deltas: the click {@code c} inserted between {@code a} and {@code b}
 * retracts the dwell {@code a -> b} (count -1) and adds {@code a -> c} and {@code c -> b} (count +1
 * each), every pair only if its gap is at most the timeout. {@link PageDwellFunction} sums deltas,
 * so its sums always equal those of the session's clicks taken in order so far, and the final ones
 * (once the watermark has passed) equal the sorted computation, whatever the arrival order or the
 * batching. A click's retraction and its new dwell go to the same page and window, so a window's count
 * never falls.
 *
 * <p>The state of a key is one immutable {@link Session}: its clicks in {@link Click#SESSION_ORDER}
 * (page, action and time only) from the last one at or before the watermark on (earlier ones are
 * final and can no longer be anyone's neighbour, so they are dropped as clicks come in), the largest
 * click time, and one event-time timer, set at the session's first click to its time plus the timeout
 * (rounded up to the end of its second, see {@link #tick}); when it fires, the session is cleared if
 * the watermark has passed its largest click time plus the timeout (no click to come can pair with
 * any of its clicks), else the timer moves there. So a session costs about two timer firings, not
 * one per click.
 *
 * <p>A click that arrives behind the watermark (possible only with input that is more out of order
 * than the watermark allows, e.g. from Kafka) is dropped here: it gets no dwell time and is not the
 * "next click" of another, as its neighbours may already be final; such clicks are counted and logged,
 * once per 10 000.
 */
public final class DwellFunction extends KeyedProcessFunction<String, Click, Dwell> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DwellFunction.class);
  /** 30 minutes. */
  public static final long SESSION_TIMEOUT_MS = 30 * 60 * 1000L;
  /** Timers are rounded up to the end of a second of event time. */
  static final long TICK_MS = 1_000;

  /**
   * A session's state: its clicks in {@link Click#SESSION_ORDER} as parallel arrays (page, action,
   * time), from the last click at or before the watermark on; the largest click time; the key's one
   * event-time timer. Immutable: state values are shared with checkpoint snapshots, so a change makes
   * new arrays (a session holds a few clicks).
   */
  public record Session(String[] pages, String[] actions, long[] times, long maxTime, long timer)
      implements Serializable {
    int size() {
      return times.length;
    }

    /** Orders like {@link Click#SESSION_ORDER}: time, then page, then action. */
    int compare(int i, Click c) {
      int r = Long.compare(times[i], c.eventTime());
      if (r == 0) {
        r = pages[i].compareTo(c.page());
      }
      return r != 0 ? r : actions[i].compareTo(c.action());
    }
  }

  /**
   * The checkpoint layout of a {@link Session} (registered by {@link Clickstream#pipeline()}): the
   * default serializer reads a record's components by reflection and tags every array with its class;
   * this writes the count and the fields directly. Every open session is in every checkpoint, so
   * this is most of a checkpoint's serializing.
   */
  static final class SessionCodec implements Codec<Session> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(Session s, DataOutput out) throws IOException {
      int n = s.size();
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        out.writeUTF(s.pages[i]);
        out.writeUTF(s.actions[i]);
        out.writeLong(s.times[i]);
      }
      out.writeLong(s.maxTime);
      out.writeLong(s.timer);
    }

    @Override
    public Session decode(DataInput in) throws IOException {
      int n = in.readInt();
      if (n < 0 || n > 1 << 20) {
        throw new IOException("a session of " + n + " clicks: corrupt data");
      }
      String[] pages = new String[n];
      String[] actions = new String[n];
      long[] times = new long[n];
      for (int i = 0; i < n; i++) {
        pages[i] = in.readUTF();
        actions[i] = in.readUTF();
        times[i] = in.readLong();
      }
      return new Session(pages, actions, times, in.readLong(), in.readLong());
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
    if (s == null) {
      long timer = tick(c.eventTime() + SESSION_TIMEOUT_MS);
      ctx.timers().registerEventTimeTimer(timer);
      sessions.update(new Session(new String[] {c.page()}, new String[] {c.action()}, new long[] {c.eventTime()},
          c.eventTime(), timer));
      return;
    }
    int n = s.size();
    // Clicks before the last one at or before the watermark are final and before c: drop them.
    int from = 0;
    while (from + 1 < n && s.times[from + 1] <= wm) {
      from++;
    }
    int at = n; // c goes before the first click that orders after it
    for (int i = from; i < n; i++) {
      if (s.compare(i, c) > 0) {
        at = i;
        break;
      }
    }
    long t = c.eventTime();
    if (at > from) {
      int a = at - 1;
      if (at < n && s.times[at] - s.times[a] <= SESSION_TIMEOUT_MS) {
        out.collect(new Dwell(s.pages[a], s.times[a], -(s.times[at] - s.times[a]), -1)); // a -> b no more
      }
      if (t - s.times[a] <= SESSION_TIMEOUT_MS) {
        out.collect(new Dwell(s.pages[a], s.times[a], t - s.times[a], 1));
      }
    }
    if (at < n && s.times[at] - t <= SESSION_TIMEOUT_MS) {
      out.collect(new Dwell(c.page(), t, s.times[at] - t, 1));
    }
    int m = n - from + 1;
    String[] pages = new String[m];
    String[] actions = new String[m];
    long[] times = new long[m];
    int k = at - from;
    System.arraycopy(s.pages, from, pages, 0, k);
    System.arraycopy(s.actions, from, actions, 0, k);
    System.arraycopy(s.times, from, times, 0, k);
    pages[k] = c.page();
    actions[k] = c.action();
    times[k] = t;
    System.arraycopy(s.pages, at, pages, k + 1, n - at);
    System.arraycopy(s.actions, at, actions, k + 1, n - at);
    System.arraycopy(s.times, at, times, k + 1, n - at);
    sessions.update(new Session(pages, actions, times, Math.max(s.maxTime(), t), s.timer()));
  }

  /**
   * The timer for something due at {@code time}: the end of its second of event time. Timers of many
   * keys then share a time (the timer queue holds few distinct times); a later timer is harmless, as
   * the check is against the watermark.
   */
  static long tick(long time) {
    long t = (Math.floorDiv(time, TICK_MS) + 1) * TICK_MS - 1;
    return t < time ? Long.MAX_VALUE : t;
  }

  /**
   * The key's timer: the session ends once the watermark has passed its largest click time plus the
   * timeout; until then the timer moves there.
   */
  @Override
  public void onTimer(long time, TimerContext<String> ctx, Collector<Dwell> out) {
    Session s = sessions.value();
    if (s == null) {
      return;
    }
    long wm = Math.max(time, ctx.timers().currentWatermark());
    if (s.maxTime() + SESSION_TIMEOUT_MS <= wm) {
      sessions.update(null);
      return;
    }
    long next = tick(s.maxTime() + SESSION_TIMEOUT_MS);
    ctx.timers().registerEventTimeTimer(next);
    sessions.update(new Session(s.pages(), s.actions(), s.times(), s.maxTime(), next));
  }
}
