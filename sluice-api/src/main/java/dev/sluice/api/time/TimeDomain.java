package dev.sluice.api.time;

/** Which clock drives windows and timers. */
public enum TimeDomain {
  /** The records' own timestamps, progressed by watermarks. Deterministic and replayable. */
  EVENT_TIME,
  /** The wall clock of the machine that processes the record. */
  PROCESSING_TIME
}
