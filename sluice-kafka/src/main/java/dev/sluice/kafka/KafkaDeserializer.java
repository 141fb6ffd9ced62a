package dev.sluice.kafka;

import java.io.Serializable;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a Kafka record into a Sluice record. Called on the reader's thread, one instance per split
 * reader (the source, and with it the deserializer, is serialized with the plan). Throw any exception
 * for a record that cannot be read: the source reports it through the job's bad-record policy with
 * the topic, partition and offset.
 */
@FunctionalInterface
public interface KafkaDeserializer<T> extends Serializable {
  T deserialize(ConsumerRecord<byte[], byte[]> record) throws Exception;
}
