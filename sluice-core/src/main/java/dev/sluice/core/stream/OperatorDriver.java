package dev.sluice.core.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Drives one {@link StreamOperator} by hand on the calling thread with a virtual processing-time
 * clock: push elements and watermarks, advance time, end the input, and read what it emitted. The
 * engine of {@code sluice-test}'s harnesses and of the operators' own unit tests. Not thread-safe.
 *
 * <p>Watermarks pushed here are the operator's combined input watermark (the driver does not take
 * the minimum over inputs: that is the runtime's job).
 */
public final class OperatorDriver {
  /** A record the operator emitted, with its timestamp. */
  public record Emitted(Object value, long timestamp) {}

  private StreamOperator operator;
  private final String name;
  private final int partition;
  private final int parallelism;
  private final int maxKeyGroups;
  private final List<Emitted> output = new ArrayList<>();
  private final Map<String, List<Emitted>> sideOutputs = new LinkedHashMap<>();
  private final List<Long> watermarks = new ArrayList<>();
  private final List<Emitted> lateDropped = new ArrayList<>();
  private final TreeSet<Long> requestedTimes = new TreeSet<>();
  private long now;
  private long lastWatermark = Long.MIN_VALUE;
  private boolean opened;
  private boolean finished;
  private dev.sluice.core.stream.state.KeyedStateBackendFactory stateBackends;
  private dev.sluice.core.codec.Serde serde;
  private java.nio.file.Path tempDir;

  public OperatorDriver(StreamOperator operator) {
    this(operator, "operator", 0, 1, KeyGroups.DEFAULT_MAX, 0);
  }

  public OperatorDriver(StreamOperator operator, String name, int partition, int parallelism, int maxKeyGroups, long startTime) {
    this.operator = operator;
    this.name = name;
    this.partition = partition;
    this.parallelism = parallelism;
    this.maxKeyGroups = maxKeyGroups;
    this.now = startTime;
  }

  /**
   * Keyed state in {@code factory}'s backend (e.g. RocksDB) instead of on the heap; call before the
   * operator is opened. The operator closes its backend in {@code close}.
   */
  public OperatorDriver stateBackend(dev.sluice.core.stream.state.KeyedStateBackendFactory factory,
                                     dev.sluice.core.codec.Serde serde, java.nio.file.Path tempDir) {
    if (opened) {
      throw new IllegalStateException("set the state backend before the operator is opened");
    }
    this.stateBackends = java.util.Objects.requireNonNull(factory, "factory");
    this.serde = java.util.Objects.requireNonNull(serde, "serde");
    this.tempDir = java.util.Objects.requireNonNull(tempDir, "tempDir");
    return this;
  }

  /** Opens the operator (done automatically by the first push). */
  public OperatorDriver open() throws Exception {
    if (!opened) {
      opened = true;
      operator.open(new Context());
    }
    return this;
  }

  public OperatorDriver element(Object key, Object value, long timestamp) throws Exception {
    return element(0, key, value, timestamp);
  }

  public OperatorDriver element(int input, Object key, Object value, long timestamp) throws Exception {
    open();
    operator.processElement(input, key, value, timestamp);
    return this;
  }

  public OperatorDriver watermark(long watermark) throws Exception {
    open();
    if (watermark < lastWatermark) {
      throw new IllegalArgumentException("watermark went backwards: " + watermark + " after " + lastWatermark);
    }
    lastWatermark = watermark;
    operator.processWatermark(watermark);
    return this;
  }

  /** Moves the virtual clock to {@code time}, calling the operator back for each requested time passed. */
  public OperatorDriver advanceProcessingTimeTo(long time) throws Exception {
    open();
    if (time < now) {
      throw new IllegalArgumentException("processing time cannot go backwards: " + time + " after " + now);
    }
    while (!requestedTimes.isEmpty() && requestedTimes.first() <= time) {
      long t = requestedTimes.pollFirst();
      now = Math.max(now, t);
      operator.onProcessingTime(now);
    }
    now = time;
    return this;
  }

  public OperatorDriver advanceProcessingTimeBy(long millis) throws Exception {
    return advanceProcessingTimeTo(now + millis);
  }

  /** Ends every input and finishes the operator (what the runtime does at the end of bounded input). */
  public OperatorDriver endInput(int inputs) throws Exception {
    open();
    for (int i = 0; i < inputs; i++) {
      operator.endInput(i);
    }
    if (!finished) {
      finished = true;
      operator.finish();
    }
    return this;
  }

  public void close() {
    operator.close();
  }

  /** The operator being driven (changes with {@link #restore}). */
  public StreamOperator operator() {
    return operator;
  }

  /** {@link StreamOperator#snapshotState} of the operator (opening it first if need be). */
  public Object snapshot(long checkpointId) throws Exception {
    open();
    return operator.snapshotState(checkpointId);
  }

  /**
   * Replaces the operator with {@code fresh}, as recovery does: the current one is closed, then
   * {@code fresh} is opened and restored from {@code snapshots} (one per old task). As in a
   * restarted runtime, the processing-time callbacks the old operator asked for are forgotten (the
   * restored one must ask again); the clock, the last watermark and the recorded output stay.
   */
  public OperatorDriver restore(StreamOperator fresh, List<Object> snapshots) throws Exception {
    operator.close();
    operator = fresh;
    requestedTimes.clear();
    opened = false;
    open();
    operator.restoreState(snapshots);
    return this;
  }

  public long currentProcessingTime() {
    return now;
  }

  /** Main-output records so far, in emission order. */
  public List<Emitted> output() {
    return output;
  }

  /** Main-output values so far. */
  public List<Object> values() {
    List<Object> v = new ArrayList<>(output.size());
    for (Emitted e : output) {
      v.add(e.value());
    }
    return v;
  }

  /** The tags of the side outputs emitted to so far. */
  public java.util.Set<String> sideOutputTags() {
    return sideOutputs.keySet();
  }

  public List<Emitted> sideOutput(String tag) {
    return sideOutputs.getOrDefault(tag, List.of());
  }

  public List<Long> emittedWatermarks() {
    return watermarks;
  }

  public List<Emitted> lateDropped() {
    return lateDropped;
  }

  /** Clears the recorded output, side outputs and watermarks (not the operator's state). */
  public OperatorDriver clearOutput() {
    output.clear();
    sideOutputs.clear();
    watermarks.clear();
    lateDropped.clear();
    return this;
  }

  /** Processing times the operator asked to be called back at, not yet reached. */
  public TreeSet<Long> pendingProcessingTimes() {
    return requestedTimes;
  }

  private final class Context implements OperatorContext, Output {
    @Override public Output output() { return this; }
    @Override public long currentProcessingTime() { return now; }
    @Override public void requestProcessingTime(long time) { requestedTimes.add(time); }
    @Override public int partition() { return partition; }
    @Override public int parallelism() { return parallelism; }
    @Override public int maxKeyGroups() { return maxKeyGroups; }
    @Override public String name() { return name; }
    @Override public void countLateDropped(Object element, long timestamp) { lateDropped.add(new Emitted(element, timestamp)); }

    @Override
    public dev.sluice.core.stream.state.KeyedStateBackend createKeyedStateBackend() {
      if (stateBackends == null) {
        return OperatorContext.super.createKeyedStateBackend();
      }
      return stateBackends.create(new dev.sluice.core.stream.state.KeyedStateBackendFactory.Params(
          name + " [task " + partition + " of " + parallelism + "]", maxKeyGroups,
          dev.sluice.core.stream.state.KeyGroupRange.ofPartition(partition, maxKeyGroups, parallelism),
          this::currentProcessingTime, serde, tempDir));
    }

    @Override public void emit(Object value, long timestamp) { output.add(new Emitted(value, timestamp)); }

    @Override
    public void emitSide(String tag, Object value, long timestamp) {
      sideOutputs.computeIfAbsent(tag, t -> new ArrayList<>()).add(new Emitted(value, timestamp));
    }

    @Override
    public void emitWatermark(long watermark) {
      if (!watermarks.isEmpty() && watermark < watermarks.get(watermarks.size() - 1)) {
        throw new IllegalStateException(name + " emitted watermark " + watermark + " after "
            + watermarks.get(watermarks.size() - 1) + ": watermarks must not go backwards");
      }
      watermarks.add(watermark);
    }
  }
}
