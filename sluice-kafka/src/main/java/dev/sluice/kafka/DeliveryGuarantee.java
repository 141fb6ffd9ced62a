package dev.sluice.kafka;

/** What {@link KafkaSink} promises when a job fails and restarts from a checkpoint. */
public enum DeliveryGuarantee {
  /**
   * Records are flushed at every checkpoint; records written after the last complete checkpoint are
   * written again after a restart (duplicates, never losses).
   */
  AT_LEAST_ONCE,
  /**
   * One Kafka transaction per checkpoint per writer, committed when the checkpoint is complete; a
   * read_committed consumer sees every record exactly once.
   */
  EXACTLY_ONCE
}
