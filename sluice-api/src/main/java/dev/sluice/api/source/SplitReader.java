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

  /**
   * {@link #remainingSplit()} taken for checkpoint {@code checkpointId}: the runtime calls this one
   * at checkpoint barriers (on the reader's thread, checkpoint ids increasing), so a reader that acts
   * on completed checkpoints ({@link #notifyCheckpointComplete}) can remember what each one stored,
   * as Flink's {@code SourceReader.snapshotState(checkpointId)}. The default returns {@link
   * #remainingSplit()}.
   */
  default SourceSplit remainingSplit(long checkpointId) {
    return remainingSplit();
  }

  /**
   * Checkpoint {@code checkpointId} is complete: its metadata is durable and the sinks have committed
   * its output (in micro-batch mode: batch {@code checkpointId} committed). Called on the reader's
   * thread between {@link #read} calls, in streaming and micro-batch mode, at most once per id and in
   * increasing order; ids may be skipped (checkpoints that failed, or several completing before the
   * reader looked), so act on the latest. For side effects outside the exactly-once path only
   * (Kafka: report the checkpointed offsets to the consumer group); a restore uses the checkpoint,
   * never what this did. An exception fails the job like one from {@code read}. Default: nothing,
   * as Flink's {@code SourceReader.notifyCheckpointComplete}.
   */
  default void notifyCheckpointComplete(long checkpointId) throws IOException {}

  // ---------------------------------------------------------------- micro-batch mode

  /*
   * Micro-batch mode (RunOptions.microBatch) plans each batch as a range of every split, in a
   * position of the split's own: a long that grows as the reader reads (the generator's next index,
   * a file's byte offset, a collection's element index). The batch's ranges are written to the
   * offset log before they are read, so a replayed batch reads exactly the same records. A reader
   * supports it with the three methods below, all called on the reader's thread between read calls;
   * a reader without them cannot run in micro-batch mode (the job fails at start, naming it).
   */

  /**
   * Micro-batch mode: the position of the first record not read yet (where the next batch's range
   * starts).
   *
   * @throws UnsupportedOperationException if the reader does not support micro-batch mode (the default)
   */
  default long offset() {
    throw new UnsupportedOperationException(getClass().getName()
        + " cannot report its position as an offset (SplitReader.offset/availableEnd/readUntil), so jobs"
        + " reading it cannot run in micro-batch mode; run them in streaming mode");
  }

  /**
   * Micro-batch mode: the end (exclusive) of the input available now, at least {@link #offset()}: a
   * bounded split's end, an unbounded source's end of what has arrived (a reader that could always
   * produce more, such as an unlimited generator, caps it so a batch stays finite).
   */
  default long availableEnd() throws IOException {
    return offset();
  }

  /**
   * Micro-batch mode: from now on {@link #read} emits no record at or after position {@code end};
   * having reached it, {@code read} returns true having emitted nothing (or false if it is also the
   * end of the split). Watermarks the reader emits must still hold for the records it has not read.
   */
  default void readUntil(long end) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot limit its reads (readUntil)");
  }

  /**
   * Micro-batch mode, optional: what the last {@link #availableEnd()} covered, in the reader's own
   * terms, when one long is not enough to read a range again exactly (a Kafka reader carrying several
   * partitions: each partition's end, and partitions it would start reading). Called right after
   * {@code availableEnd}; written to the offset log with the batch's range (one token: no whitespace)
   * and handed back to {@link #readUntil(long, String)}, also to a restored reader replaying the batch.
   * Default null: the range's end alone says where to stop.
   */
  default String availableDetail() {
    return null;
  }

  /**
   * Micro-batch mode: {@link #readUntil(long)} for a range whose plan carries {@code detail} (from
   * {@link #availableDetail()} of this reader, or of the reader of the same split in the run that
   * planned the batch; null if there was none). Given the same position and detail, a reader must
   * read the same records. The default ignores the detail.
   */
  default void readUntil(long end, String detail) {
    readUntil(end);
  }

  /** Bytes consumed so far (for progress), or -1 if unknown. */
  default long bytesRead() {
    return -1;
  }
}
