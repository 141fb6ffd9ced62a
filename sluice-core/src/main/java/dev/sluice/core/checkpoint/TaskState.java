package dev.sluice.core.checkpoint;

import dev.sluice.api.source.SourceSplit;
import java.util.HashMap;

/**
 * What one task contributes to a checkpoint: the unread rest of its source split and its stream
 * operators' snapshots by transform id. Serialized with the job's {@code Serde} into
 * {@code task-<stage>-<index>}.
 *
 * @param finished the task had ended (all input read and emitted) before the checkpoint
 * @param sourceTransform the read transform of {@code remaining}, or -1
 * @param remaining the part of the task's split not read yet, or null (no split, or fully read)
 * @param operators {@code StreamOperator.snapshotState} results by transform id (null ones left out)
 */
public record TaskState(int stage, int index, boolean finished, int sourceTransform, SourceSplit remaining,
                        HashMap<Integer, Object> operators) {}
