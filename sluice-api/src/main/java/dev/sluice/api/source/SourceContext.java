package dev.sluice.api.source;

/**
 * What the runtime offers a {@link SplitReader}: which task it runs in, and the bad-record policy
 * applied in one place for all sources.
 */
public interface SourceContext {
  int partition();

  int attempt();

  /**
   * Reports a record that could not be read. By the source's {@link BadRecordPolicy}: FAIL throws
   * a {@link BadRecordException} naming the position; SKIP counts and logs it; DEAD_LETTER routes a
   * {@link DeadLetter} to the source's dead-letter output.
   *
   * @param raw the raw record text (truncated by the runtime for messages)
   * @param position where it was, e.g. {@code "file a.csv, line 7"}
   * @param reason what was wrong with it
   */
  void badRecord(String raw, String position, String reason);
}
