package dev.sluice.core.stream.channel;

/**
 * A control item travelling in a {@link Channel} between record batches, in order with them: a
 * watermark, a change to idle, a checkpoint barrier, or the end of input.
 *
 * @param watermark the watermark of {@link Kind#WATERMARK}; the checkpoint id of {@link Kind#BARRIER}
 * @param payload a barrier from a blocking source's reader thread carries the split's unread rest
 *     (a {@code SourceSplit}, null when fully read); otherwise null
 */
public record Control(Kind kind, long watermark, Object payload) {
  public enum Kind {
    /** Event time of this channel advanced to {@link #watermark()}; also marks the channel active again. */
    WATERMARK,
    /** The producer saw no input for its idle timeout: the channel must not hold event time back. */
    IDLE,
    /** No more items follow; the channel's watermark is {@link Long#MAX_VALUE}. */
    END,
    /**
     * Checkpoint barrier {@link #checkpointId()}: every item before it belongs to the checkpoint,
     * every item after it to the next. A consumer stops reading the channel until its other inputs
     * have delivered the same barrier (alignment).
     */
    BARRIER
  }

  public Control(Kind kind, long watermark) {
    this(kind, watermark, null);
  }

  public static Control barrier(long checkpointId, Object payload) {
    return new Control(Kind.BARRIER, checkpointId, payload);
  }

  /** The checkpoint id of a {@link Kind#BARRIER}. */
  public long checkpointId() {
    return watermark;
  }

  public static final Control IDLE = new Control(Kind.IDLE, Long.MIN_VALUE);
  public static final Control END = new Control(Kind.END, Long.MAX_VALUE);

  public static Control watermark(long w) {
    return new Control(Kind.WATERMARK, w);
  }
}
