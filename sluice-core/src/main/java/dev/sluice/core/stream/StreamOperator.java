package dev.sluice.core.stream;

/**
 * A stateful operator of the streaming runtime (windows, keyed process functions, stream joins):
 * the contract between those operators, the pipelined runtime that drives them, and the test
 * harness ({@code sluice-test}) that drives them with a virtual clock.
 *
 * <p>Design note. An operator is a state machine driven by one thread at a time: the runtime calls
 * {@link #open} once, then any interleaving of {@link #processElement}, {@link #processWatermark}
 * and {@link #onProcessingTime}, then {@link #endInput} per input and finally {@link #finish}
 * (bounded input), and {@link #close} always. It emits through {@link OperatorContext#output()}
 * during those calls only. The operator owns watermark forwarding: after
 * {@code processWatermark(w)} has fired everything due at {@code w} it must call
 * {@code output().emitWatermark(w)} (an operator may hold the watermark back, never advance it).
 * Keyed operators receive the key with each element (computed once by the exchange); non-keyed
 * ones receive null.
 */
public interface StreamOperator {

  void open(OperatorContext ctx) throws Exception;

  /**
   * One element.
   *
   * @param input 0, or 1 for the second input of a two-input operator (joins)
   * @param key the element's key for keyed operators, else null
   * @param timestamp event time in ms, {@link Long#MIN_VALUE} if the element has none
   */
  void processElement(int input, Object key, Object value, long timestamp) throws Exception;

  /** Event time advanced to {@code watermark} (already the minimum over live inputs). */
  void processWatermark(long watermark) throws Exception;

  /**
   * The processing-time clock reached a time this operator asked for with
   * {@link OperatorContext#requestProcessingTime}; {@code now} is the clock's current time.
   */
  default void onProcessingTime(long now) throws Exception {}

  /** Input {@code input} has ended (bounded input). */
  default void endInput(int input) throws Exception {}

  /**
   * All inputs have ended: emit everything still held as if time had run to its end (event-time
   * windows fire, pending event-time timers fire), then return. Not called on cancel or failure.
   */
  void finish() throws Exception;

  /**
   * Takes a snapshot of the operator's state for checkpoint {@code checkpointId}; called on the
   * operator's thread between the calls above, when the checkpoint barrier has been aligned on all
   * inputs (everything before it processed, nothing after it). Returns a self-contained value the
   * runtime serializes with the job's codec layer, possibly later on another thread while the
   * operator goes on: it must not share mutable objects with the live state (copy containers; treat
   * user values as immutable). Returns null if the operator holds no state.
   *
   * <p>Keyed operators organise their snapshot by key group ({@link KeyGroups}), so that
   * {@link #restoreState} can pick the groups a task owns at any parallelism. Pending
   * processing-time and event-time timers are part of the state; so is the operator's current
   * watermark where it matters.
   */
  default Object snapshotState(long checkpointId) throws Exception {
    return null;
  }

  /**
   * Restores state after {@link #open} and before the first element, from the snapshots that all
   * tasks of this operator took in the checkpoint being restored (possibly at another parallelism:
   * the list has one entry per old task, nulls for stateless ones). A keyed operator keeps the key
   * groups it owns ({@link OperatorContext#partition()}, {@link OperatorContext#parallelism()},
   * {@link OperatorContext#maxKeyGroups()}) and ignores the rest; a non-keyed operator with state
   * documents how it redistributes it (e.g. task i takes old snapshot i, or the union).
   */
  default void restoreState(java.util.List<Object> snapshots) throws Exception {}

  /**
   * Checkpoint {@code checkpointId} is complete (its metadata is durable). Operators that emit
   * into external systems may now finalise; most do nothing.
   */
  default void notifyCheckpointComplete(long checkpointId) throws Exception {}

  /** Releases resources; called after finish, failure or cancel. Must not throw. */
  default void close() {}
}
