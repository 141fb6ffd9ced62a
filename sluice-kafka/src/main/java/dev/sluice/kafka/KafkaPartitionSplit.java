package dev.sluice.kafka;

import dev.sluice.api.source.SourceSplit;
import java.util.List;

/**
 * One Kafka partition with the offset to read next, plus any partitions this split's reader picked up
 * while running (created after the job started). Immutable; travels in checkpoints.
 *
 * @param index this split's index among the splits made at job start
 * @param count how many splits were made at job start (new partitions are shared out over them)
 * @param partitions the partitions to read: the split's own partition first, then picked-up ones
 * @param initialTopics the topics seen at job start, with {@code initialCounts} their partition counts
 *     (a partition beyond them is new)
 */
public record KafkaPartitionSplit(int index, int count, List<PartitionOffset> partitions,
    List<String> initialTopics, List<Integer> initialCounts) implements SourceSplit {

  /**
   * A partition, the offset to read next and where to stop ({@link Long#MAX_VALUE}: never).
   */
  public record PartitionOffset(String topic, int partition, long offset, long stop) {
    String id() {
      return topic + "-" + partition;
    }
  }

  public KafkaPartitionSplit {
    partitions = List.copyOf(partitions);
    initialTopics = List.copyOf(initialTopics);
    initialCounts = List.copyOf(initialCounts);
  }

  @Override
  public String id() {
    return partitions.get(0).id();
  }

  boolean isNew(String topic, int partition) {
    int i = initialTopics.indexOf(topic);
    return i < 0 || partition >= initialCounts.get(i);
  }
}
