package dev.sluice.kafka;

import java.io.Serializable;

/** Turns a record into the bytes of a Kafka value (or key). Called on the writer's thread. */
@FunctionalInterface
public interface KafkaSerializer<T> extends Serializable {
  byte[] serialize(T record) throws Exception;
}
