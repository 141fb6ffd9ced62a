package dev.sluice.core.stream;

import dev.sluice.core.codec.Serde;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Checkpoint property checks for {@link StreamOperator}s: runs a random input through {@code p}
 * operator instances (tasks), snapshots every task at chosen points, passes each snapshot through
 * the {@link Serde} (written by one instance, read by a fresh one, as a restarted job reads a
 * checkpoint), restores all of them into fresh instances at another parallelism, goes on, and
 * returns everything emitted, to be compared with an uninterrupted run.
 */
public final class SnapshotRescale {
  private SnapshotRescale() {}

  static final int MAX = KeyGroups.DEFAULT_MAX;

  /** How elements reach tasks. */
  public enum Routing {
    /** Every input is hash-partitioned by key group (windows, keyed process, joins). */
    KEYED,
    /** Input 0 goes to one task (by the value's hash), input 1 to every task (enrich). */
    FORWARD_AND_BROADCAST,
    /** Input 0 goes to one task, by the value's hash (process). */
    FORWARD
  }

  /** An input step: an element, a watermark, or a processing-time advance. */
  public record Step(Kind kind, int input, Object key, Object value, long time) {
    public enum Kind { ELEMENT, WATERMARK, PROCESSING_TIME, END_INPUT }

    /** Input {@code input} ends (the other goes on); restored tasks are told again, as a finished source says so again. */
    public static Step endInput(int input) {
      return new Step(Kind.END_INPUT, input, null, null, 0);
    }

    public static Step element(int input, Object key, Object value, long timestamp) {
      return new Step(Kind.ELEMENT, input, key, value, timestamp);
    }

    public static Step watermark(long w) {
      return new Step(Kind.WATERMARK, 0, null, null, w);
    }

    public static Step processingTime(long t) {
      return new Step(Kind.PROCESSING_TIME, 0, null, null, t);
    }
  }

  /**
   * Random steps: elements of {@code keys} keys on {@code inputs} inputs, out of order by up to
   * {@code bound} ms, about {@code lateChance} of them behind the watermark; watermarks
   * ({@code maxSeen - bound}) and processing-time advances in between.
   */
  public static List<Step> randomSteps(Random r, int count, int inputs, int keys, long bound, double lateChance,
      boolean processingTime) {
    List<Step> steps = new ArrayList<>();
    long base = 1000;
    long maxSeen = Long.MIN_VALUE;
    long wm = Long.MIN_VALUE;
    long now = 0;
    for (int i = 0; i < count; i++) {
      base += r.nextInt(20);
      long ts = base - (long) r.nextInt((int) bound + 1);
      if (wm != Long.MIN_VALUE && r.nextDouble() < lateChance) {
        ts = wm - r.nextInt(200);
      }
      int input = r.nextInt(inputs);
      steps.add(Step.element(input, "k" + r.nextInt(keys), (input == 0 ? "L" : "R") + i, ts));
      maxSeen = Math.max(maxSeen, ts);
      if (r.nextDouble() < 0.15 && maxSeen - bound > wm) {
        wm = maxSeen - bound;
        steps.add(Step.watermark(wm));
      }
      if (processingTime && r.nextDouble() < 0.3) {
        now += r.nextInt(60);
        steps.add(Step.processingTime(now));
      }
    }
    return steps;
  }

  /**
   * Runs {@code steps}; at each index {@code c} of {@code cuts} (before step {@code c}) every task is
   * snapshotted and replaced by {@code cuts.get(c)} fresh tasks restored from all the snapshots.
   * Returns the emitted records, side outputs and late drops of all tasks, sorted, as text.
   */
  public static List<String> run(Supplier<StreamOperator> factory, Routing routing, int inputs, List<Step> steps,
      int initialParallelism, SortedMap<Integer, Integer> cuts) throws Exception {
    return run(factory, routing, inputs, steps, initialParallelism, cuts, false);
  }

  /**
   * As {@link #run(Supplier, Routing, int, List, int, SortedMap)}; with {@code serializeLate} the old
   * tasks go on through the rest of the input and end before their snapshots are serialized (that
   * output is discarded), as the runtime may serialize a snapshot while the operator goes on: a
   * snapshot sharing mutable state with the live operator then restores the wrong state.
   */
  public static List<String> run(Supplier<StreamOperator> factory, Routing routing, int inputs, List<Step> steps,
      int initialParallelism, SortedMap<Integer, Integer> cuts, boolean serializeLate) throws Exception {
    Serde writer = new Serde(Map.of(), Set.of());
    // Another instance reads, as a restarted job does: the snapshot classes must be allowed.
    Serde reader = new Serde(Map.of(), Set.of());
    List<String> out = new ArrayList<>();
    long[] now = {0};
    List<OperatorDriver> tasks = start(factory, initialParallelism, now[0], null);
    long checkpoint = 0;
    TreeSet<Integer> ended = new TreeSet<>();
    for (int i = 0; i <= steps.size(); i++) {
      Integer next = cuts.get(i);
      if (next != null) {
        List<Object> raw = new ArrayList<>();
        for (OperatorDriver d : tasks) {
          raw.add(d.snapshot(++checkpoint));
          harvest(d, out);
        }
        if (serializeLate) {
          long[] later = {now[0]};
          TreeSet<Integer> endedLater = new TreeSet<>(ended);
          for (int j = i; j < steps.size(); j++) {
            apply(tasks, steps.get(j), routing, later, endedLater);
          }
          for (OperatorDriver d : tasks) {
            d.endInput(inputs);
            d.clearOutput();
          }
        }
        List<Object> snapshots = new ArrayList<>();
        for (Object snap : raw) {
          snapshots.add(snap == null ? null : reader.fromBytes(writer.toBytes(snap)));
        }
        for (OperatorDriver d : tasks) {
          d.close();
        }
        tasks = start(factory, next, now[0], Collections.unmodifiableList(snapshots));
        for (OperatorDriver d : tasks) {
          for (int input : ended) {
            d.operator().endInput(input);
          }
        }
      }
      if (i == steps.size()) {
        break;
      }
      apply(tasks, steps.get(i), routing, now, ended);
    }
    for (OperatorDriver d : tasks) {
      d.endInput(inputs);
      harvest(d, out);
      d.close();
    }
    Collections.sort(out);
    return out;
  }

  private static void apply(List<OperatorDriver> tasks, Step s, Routing routing, long[] now, TreeSet<Integer> ended)
      throws Exception {
    int p = tasks.size();
    switch (s.kind()) {
      case END_INPUT -> {
        ended.add(s.input());
        for (OperatorDriver d : tasks) {
          d.operator().endInput(s.input());
        }
      }
      case WATERMARK -> {
        for (OperatorDriver d : tasks) {
          d.watermark(s.time());
        }
      }
      case PROCESSING_TIME -> {
        now[0] = s.time();
        for (OperatorDriver d : tasks) {
          d.advanceProcessingTimeTo(now[0]);
        }
      }
      case ELEMENT -> {
        if (routing == Routing.KEYED) {
          tasks.get(KeyGroups.partitionOfKey(s.key(), MAX, p)).element(s.input(), s.key(), s.value(), s.time());
        } else if (s.input() == 1 && routing == Routing.FORWARD_AND_BROADCAST) {
          for (OperatorDriver d : tasks) {
            d.element(1, s.key(), s.value(), s.time());
          }
        } else {
          tasks.get(Math.floorMod(s.value().hashCode(), p)).element(s.input(), s.key(), s.value(), s.time());
        }
      }
    }
  }

  /** An uninterrupted run at {@code parallelism}. */
  public static List<String> reference(Supplier<StreamOperator> factory, Routing routing, int inputs, List<Step> steps,
      int parallelism) throws Exception {
    return run(factory, routing, inputs, steps, parallelism, new TreeMap<>());
  }

  /** A snapshot and rescale before every step, each time to a random parallelism in 1..4. */
  public static SortedMap<Integer, Integer> everyStep(Random r, int steps) {
    SortedMap<Integer, Integer> cuts = new TreeMap<>();
    for (int i = 0; i <= steps; i++) {
      cuts.put(i, 1 + r.nextInt(4));
    }
    return cuts;
  }

  private static List<OperatorDriver> start(Supplier<StreamOperator> factory, int p, long now, List<Object> snapshots)
      throws Exception {
    List<OperatorDriver> tasks = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      StreamOperator op = factory.get();
      OperatorDriver d = new OperatorDriver(op, "op", i, p, MAX, now).open();
      if (snapshots != null) {
        op.restoreState(snapshots);
      }
      tasks.add(d);
    }
    return tasks;
  }

  private static void harvest(OperatorDriver d, List<String> out) {
    for (OperatorDriver.Emitted e : d.output()) {
      out.add("out " + e);
    }
    for (String tag : List.of("late", "side")) {
      for (OperatorDriver.Emitted e : d.sideOutput(tag)) {
        out.add(tag + " " + e);
      }
    }
    for (OperatorDriver.Emitted e : d.lateDropped()) {
      out.add("dropped " + e);
    }
    d.clearOutput();
  }
}
