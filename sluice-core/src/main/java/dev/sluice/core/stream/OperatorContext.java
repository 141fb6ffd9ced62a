package dev.sluice.core.stream;

import dev.sluice.core.stream.state.HeapKeyedStateBackend;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateBackend;

/**
 * What the runtime (or the test harness) gives a {@link StreamOperator}: output, clocks, identity
 * and counters. One per operator instance; used by the operator's thread only.
 */
public interface OperatorContext {
  Output output();

  /** The processing-time clock in ms (the wall clock, or the harness's virtual clock). */
  long currentProcessingTime();

  /**
   * Asks for {@link StreamOperator#onProcessingTime} to be called once the clock reaches
   * {@code time}. Requests may be made repeatedly; the runtime calls back at least once per time
   * reached and the operator keeps its own timer queue.
   */
  void requestProcessingTime(long time);

  /** This task's partition index and the operator's parallelism. */
  int partition();

  int parallelism();

  /** Number of key groups keys are mapped to ({@link KeyGroups}). */
  int maxKeyGroups();

  /** The operator's display name for messages, e.g. {@code window(sliding, count) (#4)}. */
  String name();

  /**
   * Counts a late element that was dropped because no side output was named for it (it is also
   * logged, the first few per task). Reported as {@code lateDropped} in the job's metrics.
   */
  void countLateDropped(Object element, long timestamp);

  /**
   * A new keyed state backend for this task's key-group range, of the kind the job chose
   * ({@code RunOptions.withStateBackend}); the operator closes it. On the heap unless the runtime
   * (or the test harness) was configured otherwise.
   */
  default KeyedStateBackend createKeyedStateBackend() {
    return new HeapKeyedStateBackend(maxKeyGroups(), KeyGroupRange.ofPartition(partition(), maxKeyGroups(), parallelism()),
        this::currentProcessingTime);
  }

  /**
   * Where native (file) checkpoints of a keyed state backend go ({@code NativeCheckpointing}), or
   * null: the job takes no checkpoints, or the harness keeps heap snapshots only. Operators then use
   * the backend's {@code snapshot()} as before.
   */
  default dev.sluice.core.stream.state.NativeCheckpointFiles nativeCheckpoints() {
    return null;
  }
}
