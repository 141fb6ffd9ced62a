package dev.sluice.api.sink;

/** Which task attempt a {@link SinkWriter} writes for. */
public record WriterContext(int partition, int parallelism, int attempt) {}
