package dev.sluice.core.io;

import java.io.Serializable;

/**
 * The committable of a file sink writer in a job with checkpoints: the file it staged for one
 * checkpoint (or, with {@code last}, for the end of its input) and the name it gets on commit.
 *
 * @param stagedPath null when the writer wrote nothing (only for {@code last})
 * @param last whether this is the writer's end-of-input committable
 * @param parallelism how many writers the sink has: {@code _SUCCESS} is written by a commit holding
 *     the last committable of each
 */
public record CheckpointPart(int partition, int parallelism, String stagedPath, String fileName, boolean last) implements Serializable {}
