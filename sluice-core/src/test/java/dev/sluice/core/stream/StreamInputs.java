package dev.sluice.core.stream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Random keyed, timestamped inputs for operator property tests, delivered out of order within a
 * bound: each event arrives at {@code timestamp + jitter} ({@code 0 <= jitter <= bound}) and after
 * some arrivals the watermark {@code maxSeen - bound - 1} is pushed (what
 * {@code WatermarkStrategy.boundedOutOfOrderness(bound)} would generate), so no event is ever late.
 */
public final class StreamInputs {
  private StreamInputs() {}

  /** One input event. */
  public record Event(int input, Object key, Object value, long timestamp) {}

  /** An arrival step: an event, or a watermark when {@code event} is null. */
  public record Step(Event event, long watermark) {}

  public static List<Event> events(Random r, int count, int inputs, int keys, long maxTime) {
    List<Event> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int input = r.nextInt(inputs);
      String key = "k" + r.nextInt(keys);
      long ts = (long) r.nextInt((int) maxTime);
      out.add(new Event(input, key, (input == 0 ? "L" : "R") + i, ts));
    }
    return out;
  }

  /** The events in arrival order, with watermarks pushed after random arrivals. */
  public static List<Step> arrival(Random r, List<Event> events, long bound, double watermarkChance) {
    record Arriving(Event e, long at, int seq) {}
    List<Arriving> a = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      a.add(new Arriving(e, e.timestamp() + (bound == 0 ? 0 : (long) (r.nextDouble() * (bound + 1))), i));
    }
    a.sort(Comparator.comparingLong(Arriving::at).thenComparingInt(Arriving::seq));
    List<Step> steps = new ArrayList<>();
    long max = Long.MIN_VALUE;
    long lastWm = Long.MIN_VALUE;
    for (Arriving x : a) {
      steps.add(new Step(x.e(), 0));
      max = Math.max(max, x.e().timestamp());
      if (r.nextDouble() < watermarkChance) {
        long wm = max - bound - 1;
        if (wm > lastWm) {
          steps.add(new Step(null, wm));
          lastWm = wm;
        }
      }
    }
    return steps;
  }

  /** Pushes the steps into {@code driver}. */
  public static void drive(OperatorDriver driver, List<Step> steps) throws Exception {
    for (Step s : steps) {
      if (s.event() == null) {
        driver.watermark(s.watermark());
      } else {
        Event e = s.event();
        driver.element(e.input(), e.key(), e.value(), e.timestamp());
      }
    }
  }

  /** The seeds of a property test: {@code -Dsluice.test.seed=...} reruns one case. */
  public static long[] seeds(int count, long salt) {
    Long fixed = Long.getLong("sluice.test.seed");
    if (fixed != null) {
      return new long[] {fixed};
    }
    long base = System.nanoTime() ^ salt;
    long[] out = new long[count];
    for (int i = 0; i < count; i++) {
      out[i] = base + i * 0x9E3779B97F4A7C15L;
    }
    return out;
  }

  /** One case of a property test, from its seed. */
  @FunctionalInterface
  public interface SeedCase {
    void run(long seed) throws Exception;
  }

  /** Runs the case for each of {@link #seeds}; a failure names its seed and how to rerun it. */
  public static void forEachSeed(int count, long salt, SeedCase c) throws Exception {
    for (long seed : seeds(count, salt)) {
      try {
        c.run(seed);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("seed " + seed + " (rerun with -Dsluice.test.seed=" + seed + ")", e);
      }
    }
  }
}
