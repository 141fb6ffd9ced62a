package dev.sluice.core.stream;

/** Where a {@link StreamOperator} emits. Used by the operator's thread only, during a call from the runtime. */
public interface Output {
  /** A main-output record with its event timestamp ({@link Long#MIN_VALUE} for none). */
  void emit(Object value, long timestamp);

  /** A record to the side output {@code tag} (late elements, process-function side outputs). */
  void emitSide(String tag, Object value, long timestamp);

  /** Forwards event time downstream. Must not go backwards. */
  void emitWatermark(long watermark);
}
