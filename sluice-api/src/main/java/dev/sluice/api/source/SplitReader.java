package dev.sluice.api.source;

import dev.sluice.api.function.Collector;
import java.io.Closeable;
import java.io.IOException;

/**
 * Reads one split. Used by one thread; not thread-safe.
 *
 * <p>{@link #read} emits the next chunk of records (a few thousand, or one buffer's worth) and
 * returns false once the split is exhausted. {@link #position} names where the reader is, so that an
 * error in any downstream function can say which input record caused it.
 */
public interface SplitReader<T> extends Closeable {

  /**
   * Emits the next chunk of records; returns false when nothing is left. An unbounded reader with
   * nothing available yet returns true having emitted nothing (the runtime backs off and calls
   * again); it must not block for long.
   */
  boolean read(Collector<? super T> out) throws IOException;

  /**
   * Where the reader is, for messages: for files e.g. {@code "file /data/a.txt, line 12 (byte 340)"}.
   * Refers to the record most recently emitted.
   */
  String position();

  /**
   * The part of this reader's split not read yet, as a split of its own (as in Flink's FLIP-27,
   * where split state is the split plus its progress): a file range starting after the last
   * record emitted, a generator's next index, a Kafka partition's next offset. Checkpoints store
   * it; recovery creates a reader for it with {@link Source#reader}, so the records already emitted
   * are not read again and none is skipped. Called on the reader's thread between {@link #read}
   * calls, right after the records emitted so far have been handed downstream.
   *
   * @throws UnsupportedOperationException if the source cannot be checkpointed (the default)
   */
  default SourceSplit remainingSplit() {
    throw new UnsupportedOperationException(getClass().getName()
        + " cannot report its position, so jobs reading it cannot be checkpointed");
  }

  /** Bytes consumed so far (for progress), or -1 if unknown. */
  default long bytesRead() {
    return -1;
  }
}
