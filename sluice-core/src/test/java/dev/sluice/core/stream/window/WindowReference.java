package dev.sluice.core.stream.window;

import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The plain-Java reference model of event-time windows shared by the window property tests
 * ({@link WindowPropertyTest} on the operator, {@code EventTimePipelinePropertyTest} through the
 * runtime): which windows an element falls in, each key's sessions, every (key, window) with its
 * elements, and a bounded-disorder arrival order. Generic over the tests' element records: the caller
 * names the key and the timestamp of an element.
 */
public final class WindowReference {
  private WindowReference() {}

  /** The windows of a tumbling, sliding or global spec that contain {@code ts}, latest start first. */
  public static List<Window> windowsOf(WindowSpec s, long ts) {
    List<Window> out = new ArrayList<>();
    if (s.kind() == WindowSpec.Kind.GLOBAL) {
      out.add(Window.GLOBAL);
      return out;
    }
    for (long j = Math.floorDiv(ts - s.offset(), s.slide()); ; j--) {
      long start = s.offset() + j * s.slide();
      if (start + s.size() <= ts) {
        break;
      }
      out.add(new Window(start, start + s.size()));
    }
    return out;
  }

  /** Each key's sessions from its elements: sorted by time, a new session when the next element is at or past the end. */
  public static <E, K extends Comparable<? super K>> Map<K, Map<Window, List<E>>> sessions(
      List<E> elems, Function<? super E, K> keyOf, ToLongFunction<? super E> tsOf, long gap) {
    Map<K, List<E>> byKey = new TreeMap<>();
    for (E e : elems) {
      byKey.computeIfAbsent(keyOf.apply(e), k -> new ArrayList<>()).add(e);
    }
    Map<K, Map<Window, List<E>>> out = new TreeMap<>();
    byKey.forEach((key, list) -> {
      list.sort(Comparator.comparingLong(tsOf));
      Map<Window, List<E>> ws = new TreeMap<>();
      List<E> cur = new ArrayList<>();
      long start = 0;
      long end = Long.MIN_VALUE;
      for (E e : list) {
        long ts = tsOf.applyAsLong(e);
        if (!cur.isEmpty() && ts >= end) {
          ws.put(new Window(start, end), cur);
          cur = new ArrayList<>();
        }
        if (cur.isEmpty()) {
          start = ts;
          end = ts + gap;
        }
        cur.add(e);
        end = Math.max(end, ts + gap);
      }
      if (!cur.isEmpty()) {
        ws.put(new Window(start, end), cur);
      }
      out.put(key, ws);
    });
    return out;
  }

  /** Every (key, window) with all of its elements; in the given order except in sessions (by time). */
  public static <E, K extends Comparable<? super K>> Map<K, Map<Window, List<E>>> windowContents(
      WindowSpec spec, List<E> elems, Function<? super E, K> keyOf, ToLongFunction<? super E> tsOf) {
    if (spec.kind() == WindowSpec.Kind.SESSION) {
      return sessions(elems, keyOf, tsOf, spec.gap());
    }
    Map<K, Map<Window, List<E>>> out = new TreeMap<>();
    for (E e : elems) {
      for (Window w : windowsOf(spec, tsOf.applyAsLong(e))) {
        out.computeIfAbsent(keyOf.apply(e), k -> new TreeMap<>()).computeIfAbsent(w, x -> new ArrayList<>()).add(e);
      }
    }
    return out;
  }

  /** An arrival order in which each element comes at most {@code bound} ms of event time behind the largest before it. */
  public static <E> List<E> disorder(Random rnd, List<E> sorted, ToLongFunction<? super E> tsOf, int bound) {
    List<long[]> keyed = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      keyed.add(new long[] {tsOf.applyAsLong(sorted.get(i)) + rnd.nextInt(bound + 1), i});
    }
    keyed.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
    List<E> out = new ArrayList<>();
    for (long[] k : keyed) {
      out.add(sorted.get((int) k[1]));
    }
    return out;
  }
  /**
   * Brute-force model of the window lateness rules, straight from their description (no panes, no
   * timers): elements and watermarks in arrival order; {@link #out} the firings as {@link #format}
   * writes them (on time, and again for every update within the allowed lateness), {@link #late}
   * what was too late for every window it falls in, as {@link #lateOf} records it.
   */
  public abstract static class LatenessSimulation<E, K extends Comparable<? super K>, L> {
    final WindowSpec spec;
    final long lateness;
    private final Function<? super E, K> keyOf;
    private final ToLongFunction<? super E> tsOf;
    long wm = Long.MIN_VALUE;
    /** Live windows per key with their elements; for sessions, the current sessions. */
    final Map<K, Map<Window, List<E>>> live = new TreeMap<>();
    final Set<String> fired = new HashSet<>();
    public final List<String> out = new ArrayList<>();
    public final List<L> late = new ArrayList<>();

    protected LatenessSimulation(WindowSpec spec, long lateness, Function<? super E, K> keyOf, ToLongFunction<? super E> tsOf) {
      this.spec = spec;
      this.lateness = lateness;
      this.keyOf = keyOf;
      this.tsOf = tsOf;
    }

    /** A fired window: its key, the window and its elements so far. */
    protected abstract String format(K key, Window w, List<E> elems);

    /** What {@link #late} holds of a late element. */
    protected abstract L lateOf(E e);

    void emit(K key, Window w, List<E> elems) {
      out.add(format(key, w, elems));
      fired.add(key + "|" + w);
    }

    public void element(E e) {
      K key = keyOf.apply(e);
      long ts = tsOf.applyAsLong(e);
      Map<Window, List<E>> ws = live.computeIfAbsent(key, k -> new TreeMap<>());
      if (spec.kind() == WindowSpec.Kind.SESSION) {
        Window mine = new Window(ts, ts + spec.gap());
        List<Window> overlapping = new ArrayList<>();
        for (Window w : ws.keySet()) {
          if (w.start() < mine.end() && mine.start() < w.end()) {
            overlapping.add(w);
          }
        }
        if (overlapping.isEmpty() && mine.maxTimestamp() + lateness <= wm) {
          late.add(lateOf(e));
          return;
        }
        Window merged = mine;
        List<E> elems = new ArrayList<>();
        for (Window w : overlapping) {
          merged = merged.cover(w);
          elems.addAll(ws.remove(w));
        }
        elems.add(e);
        ws.put(merged, elems);
        if (merged.maxTimestamp() <= wm) {
          emit(key, merged, elems);
        }
        return;
      }
      boolean accepted = false;
      for (Window w : windowsOf(spec, ts)) {
        if (w.maxTimestamp() + lateness <= wm) {
          continue;
        }
        accepted = true;
        List<E> elems = ws.computeIfAbsent(w, x -> new ArrayList<>());
        elems.add(e);
        if (w.maxTimestamp() <= wm) {
          emit(key, w, elems);
        }
      }
      if (!accepted) {
        late.add(lateOf(e));
      }
    }

    public void watermark(long w) {
      wm = w;
      live.forEach((key, ws) -> {
        ws.forEach((win, elems) -> {
          if (win.maxTimestamp() <= w && !fired.contains(key + "|" + win)) {
            emit(key, win, elems);
          }
        });
        ws.keySet().removeIf(win -> win.maxTimestamp() + lateness <= w);
      });
    }
  }
}
