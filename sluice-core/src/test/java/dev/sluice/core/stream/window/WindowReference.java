package dev.sluice.core.stream.window;

import dev.sluice.api.window.Window;
import dev.sluice.api.window.WindowSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
}
