package dev.sluice.test;

import dev.sluice.api.SideOutput;
import dev.sluice.api.Timestamped;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.StreamOperator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What every operator harness offers: drive one operator on the calling thread with a virtual
 * processing-time clock, then read and assert what it emitted. Built on the engine's
 * {@link OperatorDriver}; the concrete harnesses add typed element input.
 *
 * <p>Not thread-safe; one test, one harness. Checked exceptions thrown by the operator or the user
 * function come back wrapped in an {@link IllegalStateException} (the cause is the original);
 * unchecked ones unchanged. The {@code assert*} methods throw {@link AssertionError} with the
 * expected and actual output, so they work with JUnit, TestNG or plain Java.
 *
 * @param <O> the type of the main output's records
 * @param <H> the concrete harness, for chaining
 */
public abstract class OperatorHarness<O, H extends OperatorHarness<O, H>> implements AutoCloseable {
  final OperatorDriver driver;
  /** Fresh instances of the operator under test, for {@link #snapshotAndRestoreEveryStep}; null if unknown. */
  private final Supplier<? extends StreamOperator> factory;
  private final long startTime;
  /** The second, checkpointed instance of {@link #snapshotAndRestoreEveryStep}, or null. */
  private OperatorDriver shadow;
  private Serde serde;
  private long checkpointId;
  private int steps;

  OperatorHarness(StreamOperator operator, long startTime) {
    this(operator, null, startTime);
  }

  OperatorHarness(StreamOperator operator, Supplier<? extends StreamOperator> factory, long startTime) {
    this.factory = factory;
    this.startTime = startTime;
    this.driver = newDriver(operator, startTime);
  }

  private static OperatorDriver newDriver(StreamOperator operator, long startTime) {
    return new OperatorDriver(operator, operator.getClass().getSimpleName(), 0, 1,
        dev.sluice.core.stream.KeyGroups.DEFAULT_MAX, startTime);
  }

  @SuppressWarnings("unchecked")
  final H self() {
    return (H) this;
  }

  /** The operator under test (e.g. to check an engine-internal accessor). */
  public StreamOperator operator() {
    return driver.operator();
  }

  /**
   * Checks the operator's checkpointing as Hazelcast Jet's {@code TestSupport} does: a second
   * instance of the operator receives the same input, and after every step (element, watermark,
   * processing-time move) it is snapshotted ({@code StreamOperator.snapshotState}), the snapshot is
   * serialized and read back with the engine's {@link Serde}, and a fresh instance restored from it
   * ({@code restoreState}, at parallelism 1) replaces it, as recovery from a checkpoint taken at
   * that step would. After every step both instances must have emitted the same records (as a
   * multiset: the order within a firing may change), side outputs and late drops, else the step
   * fails with an {@link AssertionError} naming both outputs. The output read and asserted is the
   * first instance's, so a test's assertions stay the same. Call before the first step.
   *
   * @throws UnsupportedOperationException if the harness cannot create fresh instances (a
   *     {@link StreamOperatorHarness} made from one operator instance, not a supplier)
   */
  public H snapshotAndRestoreEveryStep() {
    if (factory == null) {
      throw new UnsupportedOperationException("this harness has a single operator instance; create it with"
          + " StreamOperatorHarness.of(Supplier) to snapshot and restore it");
    }
    if (steps > 0) {
      throw new IllegalStateException("snapshotAndRestoreEveryStep() must be called before the first step");
    }
    if (shadow == null) {
      serde = new Serde(Map.of(), Set.of());
      shadow = newDriver(factory.get(), startTime);
    }
    return self();
  }

  // ---- driving ----

  /** A step applied to the operator (and to the checkpointed second instance, if any). */
  interface DriverStep {
    void apply(OperatorDriver d) throws Exception;
  }

  /** Applies {@code step}, then snapshots and restores the second instance and compares outputs. */
  final void step(DriverStep step) {
    steps++;
    run(() -> step.apply(driver));
    if (shadow != null) {
      run(() -> {
        step.apply(shadow);
        Object snapshot = shadow.snapshot(++checkpointId);
        Object copy = snapshot == null ? null : serde.fromBytes(serde.toBytes(snapshot));
        shadow.restore(factory.get(), Collections.singletonList(copy));
      });
      compareShadow("after step " + steps);
    }
  }

  /** Applies a final step (end of input) to both instances, without a snapshot after it. */
  final void lastStep(DriverStep step) {
    steps++;
    run(() -> step.apply(driver));
    if (shadow != null) {
      run(() -> step.apply(shadow));
      compareShadow("at the end of input");
    }
  }

  private void compareShadow(String when) {
    List<String> plain = describe(driver);
    List<String> restored = describe(shadow);
    if (!plain.equals(restored)) {
      List<String> missing = new ArrayList<>(plain);
      restored.forEach(missing::remove);
      List<String> extra = new ArrayList<>(restored);
      plain.forEach(extra::remove);
      throw new AssertionError("snapshotAndRestoreEveryStep: " + when + " the operator restored from a snapshot at"
          + " every step emitted different output\n  missing: " + missing + "\n  extra:   " + extra
          + "\n  (snapshotState or restoreState of " + driver.operator().getClass().getName() + " loses or adds state)");
    }
  }

  private static List<String> describe(OperatorDriver d) {
    List<String> out = new ArrayList<>();
    d.output().forEach(e -> out.add("output " + e));
    d.lateDropped().forEach(e -> out.add("late dropped " + e));
    for (String tag : d.sideOutputTags()) {
      d.sideOutput(tag).forEach(e -> out.add("side output " + tag + " " + e));
    }
    Collections.sort(out);
    return out;
  }

  /** Event time advances to {@code watermark}: due windows and event-time timers fire. */
  public H processWatermark(long watermark) {
    step(d -> d.watermark(watermark));
    return self();
  }

  /** Moves the virtual processing-time clock to {@code time} ms, firing what is due on the way. */
  public H setProcessingTime(long time) {
    step(d -> d.advanceProcessingTimeTo(time));
    return self();
  }

  /** Moves the virtual processing-time clock forward by {@code d}. */
  public H advanceProcessingTime(Duration d) {
    step(x -> x.advanceProcessingTimeBy(d.toMillis()));
    return self();
  }

  public long currentProcessingTime() {
    return driver.currentProcessingTime();
  }

  /**
   * Ends the input as a bounded job would: event-time windows and timers fire as if time ran to
   * its end.
   */
  public H endInput() {
    lastStep(d -> d.endInput(1));
    return self();
  }

  /** Closes the operator. */
  @Override
  public void close() {
    driver.close();
    if (shadow != null) {
      shadow.close();
    }
  }

  // ---- output ----

  /** Main-output records with their timestamps, in emission order. */
  @SuppressWarnings("unchecked")
  public List<Timestamped<O>> output() {
    List<Timestamped<O>> out = new ArrayList<>();
    for (OperatorDriver.Emitted e : driver.output()) {
      out.add(new Timestamped<>((O) e.value(), e.timestamp()));
    }
    return out;
  }

  /** Main-output values, in emission order. */
  @SuppressWarnings("unchecked")
  public List<O> outputValues() {
    List<O> out = new ArrayList<>();
    for (OperatorDriver.Emitted e : driver.output()) {
      out.add((O) e.value());
    }
    return out;
  }

  /** Records emitted to the side output {@code tag}, with timestamps. */
  @SuppressWarnings("unchecked")
  public <X> List<Timestamped<X>> sideOutput(SideOutput<X> tag) {
    List<Timestamped<X>> out = new ArrayList<>();
    for (OperatorDriver.Emitted e : driver.sideOutput(tag.name())) {
      out.add(new Timestamped<>((X) e.value(), e.timestamp()));
    }
    return out;
  }

  /** Values emitted to the side output {@code tag}. */
  public <X> List<X> sideOutputValues(SideOutput<X> tag) {
    List<X> out = new ArrayList<>();
    for (Timestamped<X> t : sideOutput(tag)) {
      out.add(t.value());
    }
    return out;
  }

  /** Watermarks the operator forwarded, in order. */
  public List<Long> emittedWatermarks() {
    return List.copyOf(driver.emittedWatermarks());
  }

  /** Late elements dropped (no side output named for them) and counted. */
  public List<Object> lateDropped() {
    List<Object> out = new ArrayList<>();
    driver.lateDropped().forEach(e -> out.add(e.value()));
    return out;
  }

  /** Forgets the output recorded so far (not the operator's state), e.g. between test phases. */
  public H clearOutput() {
    driver.clearOutput();
    if (shadow != null) {
      shadow.clearOutput();
    }
    return self();
  }

  // ---- assertions ----

  /** Asserts the main-output values, in order, since the last {@link #clearOutput}. */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public final H assertOutputValues(O... expected) {
    return assertOutputValues(Arrays.asList(expected));
  }

  public H assertOutputValues(List<? extends O> expected) {
    List<O> actual = outputValues();
    if (!actual.equals(expected)) {
      throw new AssertionError("operator output differs\n  expected: " + expected + "\n  actual:   " + actual);
    }
    return self();
  }

  /** Asserts the main-output values as a multiset (order ignored). */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public final H assertOutputValuesInAnyOrder(O... expected) {
    Multisets.assertSame("operator output", Arrays.asList(expected), outputValues());
    return self();
  }

  /** Asserts the main output with timestamps, in order. */
  public H assertOutput(List<Timestamped<O>> expected) {
    List<Timestamped<O>> actual = output();
    if (!actual.equals(expected)) {
      throw new AssertionError("operator output differs\n  expected: " + expected + "\n  actual:   " + actual);
    }
    return self();
  }

  /** Asserts that nothing was emitted to the main output since the last {@link #clearOutput}. */
  public H assertNoOutput() {
    List<Timestamped<O>> actual = output();
    if (!actual.isEmpty()) {
      throw new AssertionError("expected no output, but the operator emitted " + actual);
    }
    return self();
  }

  /** Asserts the values of side output {@code tag}, in order. */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public final <X> H assertSideOutputValues(SideOutput<X> tag, X... expected) {
    List<X> actual = sideOutputValues(tag);
    if (!actual.equals(Arrays.asList(expected))) {
      throw new AssertionError("side output '" + tag.name() + "' differs\n  expected: " + Arrays.asList(expected)
          + "\n  actual:   " + actual);
    }
    return self();
  }

  // ---- internals ----

  interface Step {
    void run() throws Exception;
  }

  static void run(Step step) {
    try {
      step.run();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.toString(), e);
    }
  }
}
