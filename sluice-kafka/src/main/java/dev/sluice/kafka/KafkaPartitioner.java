package dev.sluice.kafka;

import java.io.Serializable;

/** Chooses the partition of a record written by {@link KafkaSink}: a value in {@code [0, partitions)}. */
@FunctionalInterface
public interface KafkaPartitioner<T> extends Serializable {
  int partition(T record, int partitions);
}
