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

  /** Releases resources; called after finish, failure or cancel. Must not throw. */
  default void close() {}
}
