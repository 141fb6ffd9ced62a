package dev.sluice.api.source;

/** What a source does with a record it cannot read. */
public enum BadRecordPolicy {
  /** Fail the job with an error naming the file, line and reason (default). */
  FAIL,
  /** Skip the record; it is counted in the job's metrics and logged. */
  SKIP,
  /** Route the raw record with its error to the source's dead-letter output. */
  DEAD_LETTER
}
