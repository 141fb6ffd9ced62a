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

/** The runtime side of a source in streaming mode: applies the bad-record policy, as the batch runtime does. */
final class StreamSourceContext implements SourceContext {
  private static final Logger LOG = LoggerFactory.getLogger(StreamSourceContext.class);
  private static final int MAX_SKIP_LOGS = 10;
  private final Source<?> source;
  private final int partition;
  Collector<Object> deadLetters;
  SplitReader<?> reader;
  long skipped;
  long deadLettered;

  StreamSourceContext(StreamExecution job, Source<?> source, int partition, Collector<Object> deadLetters) {
    this.source = source;
    this.partition = partition;
    this.deadLetters = deadLetters;
  }

  @Override public int partition() { return partition; }

  @Override public int attempt() { return 1; }

  @Override
  public void badRecord(String raw, String where, String reason) {
    BadRecordPolicy policy = source.badRecordPolicy();
    if (policy == BadRecordPolicy.SKIP) {
      if (skipped++ < MAX_SKIP_LOGS) {
        LOG.warn("{}: skipping bad record at {}: {}", source.name(), where, reason);
      }
    } else if (policy == BadRecordPolicy.DEAD_LETTER && deadLetters != null) {
      deadLettered++;
      deadLetters.collect(new DeadLetter(source.name(), where, raw, reason));
    } else {
      throw new BadRecordException(where, reason, raw);
    }
  }
}
