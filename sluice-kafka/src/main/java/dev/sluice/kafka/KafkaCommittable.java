package dev.sluice.kafka;

/**
 * A Kafka transaction of one writer, prepared (flushed) at a checkpoint and waiting for its commit:
 * enough to commit it from another producer instance (after a crash) by resuming it.
 */
public record KafkaCommittable(String transactionalId, long producerId, short epoch) {}
