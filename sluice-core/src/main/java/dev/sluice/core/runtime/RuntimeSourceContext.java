package dev.sluice.core.runtime;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.DeadLetter;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SplitReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime side of a source, in batch ({@link TaskAttempt}) and streaming mode: applies the
 * bad-record policy and counts the records skipped and dead-lettered.
 */
class RuntimeSourceContext implements SourceContext {
  /** The streaming runtime's logger for skipped records (its category predates this class). */
  static final Logger STREAM_LOG = LoggerFactory.getLogger("dev.sluice.core.runtime.StreamSourceContext");
  private static final int MAX_SKIP_LOGS = 10;
  private final Source<?> source;
  private final int partition;
  private final int attempt;
  private final Logger log;
  Collector<Object> deadLetters;
  SplitReader<?> reader;
  long skipped;
  long deadLettered;

  /** {@code log} is the logger that reports skipped records (the runtime's own, as before this class was shared). */
  RuntimeSourceContext(Source<?> source, int partition, int attempt, Collector<Object> deadLetters, Logger log) {
    this.source = source;
    this.partition = partition;
    this.attempt = attempt;
    this.deadLetters = deadLetters;
    this.log = log;
  }

  @Override public int partition() { return partition; }

  @Override public int attempt() { return attempt; }

  @Override
  public void badRecord(String raw, String where, String reason) {
    BadRecordPolicy policy = source.badRecordPolicy();
    if (policy == BadRecordPolicy.SKIP) {
      if (skipped++ < MAX_SKIP_LOGS) {
        log.warn("{}: skipping bad record at {}: {}", source.name(), where, reason);
      }
    } else if (policy == BadRecordPolicy.DEAD_LETTER && deadLetters != null) {
      deadLettered++;
      deadLetters.collect(new DeadLetter(source.name(), where, raw, reason));
    } else {
      failing(where);
      throw new BadRecordException(where, reason, raw);
    }
  }

  /** Called with the bad record's position just before {@link #badRecord} fails the task. */
  void failing(String where) {}
}
