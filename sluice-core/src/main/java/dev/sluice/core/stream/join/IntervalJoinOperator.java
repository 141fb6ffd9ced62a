package dev.sluice.core.stream.join;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import dev.sluice.core.stream.state.KeyGroupEntries;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Interval join ({@link Op.IntervalJoin}), as Flink's {@code intervalJoin().between(lower, upper)}:
 * a left element (input 0) at {@code tl} joins the right elements (input 1) of its key with
 * {@code tl + lower <= tr <= tl + upper}. Each arriving element is matched against the other side's
 * buffer and then buffered itself (per key, ordered by time), so every pair is emitted exactly once,
 * by whichever element arrives second, as {@code KV<key, Joined<left, right>>} stamped with
 * {@code max(tl, tr)}.
 *
 * <p>Design note: cleanup bounds. A watermark {@code w} promises that no element with timestamp
 * {@code <= w} follows, so future elements have {@code t > w}.
 * <ul>
 *   <li>A left at {@code tl} can still meet a future right only if {@code tl + upper > w}: lefts with
 *       {@code tl <= w - upper} are removed.
 *   <li>A right at {@code tr} meets lefts with {@code tr - upper <= tl <= tr - lower}; a future left
 *       only if {@code tr - lower > w}: rights with {@code tr <= w + lower} are removed.
 *   <li>An element that arrives with {@code t <= w} is late: its partner range reaches into what may
 *       have been removed ({@code tl + lower <= w + lower}; {@code tr - upper <= w - upper}), so its
 *       output could be incomplete. It is counted with {@link OperatorContext#countLateDropped} and
 *       dropped (Flink drops {@code t < w}; Sluice's watermark contract makes {@code t == w} late too).
 *   <li>An on-time element that is already past its own side's horizon (possible with a negative
 *       upper or positive lower bound) is matched but not buffered.
 * </ul>
 * Bound arithmetic saturates at {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE}. Buffers are
 * on-heap (no spilling); {@link #finish()} emits nothing (inner join) and drops them.
 *
 * <p>Checkpoints ({@link Snapshot}): per key, by key group, both sides' buffers (time to elements,
 * copied); the watermark, which decides lateness and cleanup. The cleanup index is rebuilt on
 * restore.
 */
public final class IntervalJoinOperator implements StreamOperator {
  private final long lower;
  private final long upper;
  /** Per side (0 = left, 1 = right): key -> time -> elements in arrival order. */
  @SuppressWarnings("unchecked")
  private final HashMap<Object, TreeMap<Long, ArrayList<Object>>>[] buffers = new HashMap[] {new HashMap<>(), new HashMap<>()};
  /** Per side: time -> keys holding elements at that time (to clean up without scanning all keys). */
  @SuppressWarnings("unchecked")
  private final TreeMap<Long, ArrayList<Object>>[] cleanup = new TreeMap[] {new TreeMap<>(), new TreeMap<>()};
  private OperatorContext ctx;
  private Output out;
  private long watermark = Long.MIN_VALUE;

  public IntervalJoinOperator(Op.IntervalJoin op) {
    if (op.lowerMs() > op.upperMs()) {
      throw new IllegalArgumentException("interval join lower bound " + op.lowerMs() + " ms is after the upper bound "
          + op.upperMs() + " ms");
    }
    this.lower = op.lowerMs();
    this.upper = op.upperMs();
  }

  @Override
  public void open(OperatorContext ctx) {
    this.ctx = ctx;
    this.out = ctx.output();
  }

  @Override
  public void processElement(int input, Object key, Object value, long timestamp) {
    if (timestamp == Long.MIN_VALUE) {
      throw new IllegalStateException(ctx.name() + ": an element has no event timestamp; the interval join needs"
          + " event time on both inputs (withTimestamps)");
    }
    if (timestamp <= watermark) {
      ctx.countLateDropped(value, timestamp);
      return;
    }
    boolean left = input == 0;
    TreeMap<Long, ArrayList<Object>> others = buffers[left ? 1 : 0].get(key);
    if (others != null) {
      long from = left ? add(timestamp, lower) : sub(timestamp, upper);
      long to = left ? add(timestamp, upper) : sub(timestamp, lower);
      for (Map.Entry<Long, ArrayList<Object>> e : others.subMap(from, true, to, true).entrySet()) {
        long ts = Math.max(timestamp, e.getKey());
        ArrayList<Object> list = e.getValue();
        for (int i = 0, n = list.size(); i < n; i++) {
          Object other = list.get(i);
          out.emit(new KV<>(key, left ? new Joined<>(value, other) : new Joined<>(other, value)), ts);
        }
      }
    }
    if (timestamp > horizon(input, watermark)) {
      buffer(input, key, value, timestamp);
    }
  }

  @Override
  public void processWatermark(long watermark) {
    this.watermark = watermark;
    clean(0, horizon(0, watermark));
    clean(1, horizon(1, watermark));
    out.emitWatermark(watermark);
  }

  @Override
  public void finish() {
    for (int side = 0; side < 2; side++) {
      buffers[side].clear();
      cleanup[side].clear();
    }
  }

  /** What a checkpoint holds: the watermark and, per key (grouped by key group), a {@link KeyBuffers}. */
  public record Snapshot(int maxKeyGroups, long watermark, ArrayList<KeyGroupEntries> groups) implements Serializable {}

  /** One key's buffered elements of both sides: time to elements in arrival order (copies). */
  public record KeyBuffers(TreeMap<Long, ArrayList<Object>> left, TreeMap<Long, ArrayList<Object>> right)
      implements Serializable {}

  @Override
  public Object snapshotState(long checkpointId) {
    HashMap<Object, KeyBuffers> byKey = new HashMap<>();
    for (int side = 0; side < 2; side++) {
      for (Map.Entry<Object, TreeMap<Long, ArrayList<Object>>> e : buffers[side].entrySet()) {
        KeyBuffers kb = byKey.computeIfAbsent(e.getKey(), k -> new KeyBuffers(new TreeMap<>(), new TreeMap<>()));
        TreeMap<Long, ArrayList<Object>> copy = side == 0 ? kb.left() : kb.right();
        for (Map.Entry<Long, ArrayList<Object>> t : e.getValue().entrySet()) {
          copy.put(t.getKey(), new ArrayList<>(t.getValue()));
        }
      }
    }
    KeyGroupEntries.Collector c = new KeyGroupEntries.Collector(ctx.maxKeyGroups());
    byKey.forEach(c::add);
    return new Snapshot(ctx.maxKeyGroups(), watermark, c.build());
  }

  /** Keeps the keys of the groups this task owns; the watermark is the old tasks' smallest. */
  @Override
  public void restoreState(List<Object> snapshots) {
    long wm = Long.MAX_VALUE;
    boolean any = false;
    for (Object o : snapshots) {
      if (o == null) {
        continue;
      }
      Snapshot s = (Snapshot) o;
      any = true;
      wm = Math.min(wm, s.watermark());
      KeyGroupEntries.forOwned(ctx, "an interval join snapshot", s.maxKeyGroups(), s.groups(), (key, entry) -> {
        KeyBuffers kb = (KeyBuffers) entry;
        for (int side = 0; side < 2; side++) {
          for (Map.Entry<Long, ArrayList<Object>> t : (side == 0 ? kb.left() : kb.right()).entrySet()) {
            for (Object v : t.getValue()) {
              buffer(side, key, v, t.getKey());
            }
          }
        }
      });
    }
    if (any) {
      watermark = wm;
    }
  }

  /** Number of buffered elements of {@code input} (0 = left, 1 = right). */
  public int bufferedElements(int input) {
    int n = 0;
    for (TreeMap<Long, ArrayList<Object>> byTime : buffers[input].values()) {
      for (ArrayList<Object> l : byTime.values()) {
        n += l.size();
      }
    }
    return n;
  }

  /** Elements of {@code input} with a timestamp at or below this are no longer needed at watermark {@code w}. */
  private long horizon(int input, long w) {
    if (w == Long.MIN_VALUE) {
      return Long.MIN_VALUE;
    }
    return input == 0 ? sub(w, upper) : add(w, lower);
  }

  private void buffer(int input, Object key, Object value, long timestamp) {
    TreeMap<Long, ArrayList<Object>> byTime = buffers[input].get(key);
    if (byTime == null) {
      byTime = new TreeMap<>();
      buffers[input].put(key, byTime);
    }
    ArrayList<Object> list = byTime.get(timestamp);
    if (list == null) {
      list = new ArrayList<>(2);
      byTime.put(timestamp, list);
      ArrayList<Object> keys = cleanup[input].get(timestamp);
      if (keys == null) {
        keys = new ArrayList<>(2);
        cleanup[input].put(timestamp, keys);
      }
      keys.add(key);
    }
    list.add(value);
  }

  private void clean(int input, long horizon) {
    NavigableMap<Long, ArrayList<Object>> due = cleanup[input].headMap(horizon, true);
    HashMap<Object, TreeMap<Long, ArrayList<Object>>> side = buffers[input];
    while (!due.isEmpty()) {
      Map.Entry<Long, ArrayList<Object>> e = due.pollFirstEntry();
      for (Object key : e.getValue()) {
        TreeMap<Long, ArrayList<Object>> byTime = side.get(key);
        if (byTime != null) {
          byTime.remove(e.getKey());
          if (byTime.isEmpty()) {
            side.remove(key);
          }
        }
      }
    }
  }

  private static long add(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return r;
  }

  private static long sub(long a, long b) {
    long r = a - b;
    if (((a ^ b) & (a ^ r)) < 0) {
      return b < 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return r;
  }
}
