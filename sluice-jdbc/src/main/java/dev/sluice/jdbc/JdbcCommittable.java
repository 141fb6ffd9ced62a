package dev.sluice.jdbc;

import java.io.Serializable;

/**
 * What one {@link JdbcSink} writer hands to the commit (internal: public only so that checkpoint
 * metadata can hold it): the rows it wrote since its previous checkpoint, encoded compactly.
 *
 * @param writer the writer's partition (the key of its row in {@code sluice_sink_commits})
 * @param checkpointId the checkpoint that sealed the rows; -1 in a job without checkpoints
 * @param endNonce set (random) for the writer's end-of-input rows, which belong to no checkpoint id
 *     of their own: a replay is recognised by the nonce stored with the writer's row
 * @param rows how many rows {@code data} holds
 */
public record JdbcCommittable(int writer, long checkpointId, String endNonce, int rows, byte[] data)
    implements Serializable {}
