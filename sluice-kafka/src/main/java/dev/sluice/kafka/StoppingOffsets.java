package dev.sluice.kafka;

import java.io.Serializable;

/** Where a bounded {@link KafkaSource} stops (for tests and batch jobs). */
public final class StoppingOffsets implements Serializable {
  private static final long serialVersionUID = 1L;

  private StoppingOffsets() {}

  /**
   * The end of each partition when the job starts (the last stable offset: records of transactions
   * still open then are not waited for). The job reads up to it and ends.
   */
  public static StoppingOffsets latest() {
    return new StoppingOffsets();
  }

  @Override
  public String toString() {
    return "latest";
  }
}
