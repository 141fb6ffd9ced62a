package dev.sluice.core.stream.channel;

/**
 * A control item travelling in a {@link Channel} between record batches, in order with them: a
 * watermark, a change to idle, or the end of input. Checkpoint barriers (issue 4) become another kind.
 */
public record Control(Kind kind, long watermark) {
  public enum Kind {
    /** Event time of this channel advanced to {@link #watermark()}; also marks the channel active again. */
    WATERMARK,
    /** The producer saw no input for its idle timeout: the channel must not hold event time back. */
    IDLE,
    /** No more items follow; the channel's watermark is {@link Long#MAX_VALUE}. */
    END
  }

  public static final Control IDLE = new Control(Kind.IDLE, Long.MIN_VALUE);
  public static final Control END = new Control(Kind.END, Long.MAX_VALUE);

  public static Control watermark(long w) {
    return new Control(Kind.WATERMARK, w);
  }
}
