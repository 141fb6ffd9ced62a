package dev.sluice.api.state;

/**
 * Time and timers for the current key. Event-time timers fire when the watermark passes their time;
 * processing-time timers when the wall clock (or the test harness's virtual clock) reaches it.
 * Registering the same time twice for a key gives one timer.
 */
public interface TimerService {
  long currentProcessingTime();

  /** The operator's current watermark; {@link Long#MIN_VALUE} before the first. */
  long currentWatermark();

  void registerEventTimeTimer(long time);

  void registerProcessingTimeTimer(long time);

  void deleteEventTimeTimer(long time);

  void deleteProcessingTimeTimer(long time);
}
