package dev.sluice.core.runtime;

import dev.sluice.api.source.SplitReader;
import java.io.IOException;

/**
 * The micro-batch handshake between the coordinator and the thread reading one source split (a
 * worker for a non-blocking source, the split's I/O thread for a blocking one).
 *
 * <p>The coordinator asks for the split's position ({@link #ask}); the reader thread answers between
 * two reads with the reader's {@code offset()}, {@code availableEnd()} and {@code availableDetail()}.
 * Once the batch plan is in the offset log, the coordinator {@linkplain #plan plans} the batch's end
 * (with the detail logged for it); the reader thread applies it ({@code readUntil(end, detail)}),
 * reads up to it and then puts the batch's barrier into its output. Before the first plan the reader
 * does not read at all.
 *
 * <p>Thread-safety: fields written by one side are volatile and read by the other.
 */
final class MicroSplit {
  /** {@link #poll}: read on. */
  static final long READ = -1;
  /** {@link #poll}: do not read now (no batch yet, or this batch's end reached and its barrier sent). */
  static final long WAIT = 0;

  final int stage;
  final int task;
  private volatile long asked;
  private volatile long answered;
  private volatile long offset;
  private volatile long available;
  private volatile String detail;
  private volatile long end;
  private volatile String endDetail;
  private volatile long batch;
  /** The reader ended its split (set by the reader thread). */
  volatile boolean ended;
  /** Reader thread only. */
  private long limited;

  MicroSplit(int stage, int task) {
    this.stage = stage;
    this.task = task;
  }

  // ------------------------------------------------------------ coordinator

  /**
   * Asks for a fresh answer; returns the question's number for {@link #answered}. Numbered apart from
   * batch ids: an ask that plans no batch (nothing new) is followed by another for the same batch,
   * and that one must be answered anew, not by the earlier answer.
   */
  long ask() {
    long q = asked + 1; // the coordinator is the only writer
    asked = q;
    return q;
  }

  boolean answered(long question) {
    return answered >= question;
  }

  long offset() {
    return offset;
  }

  long available() {
    return available;
  }

  /** The reader's detail of {@link #available()} (null if none). */
  String detail() {
    return detail;
  }

  void plan(long id, long batchEnd, String batchDetail) {
    end = batchEnd;
    endDetail = batchDetail;
    batch = id;
  }

  // ------------------------------------------------------------ reader thread

  /**
   * Answers a question, applies a new plan; returns {@link #READ}, {@link #WAIT}, or the id of the
   * batch whose barrier is due now (its end reached and {@code lastBarrier} older).
   */
  long poll(SplitReader<?> reader, long lastBarrier) throws IOException {
    long q = asked;
    if (q > answered) {
      offset = reader.offset();
      available = reader.availableEnd();
      detail = reader.availableDetail();
      answered = q;
    }
    long b = batch;
    if (b == 0) {
      return WAIT;
    }
    long e = end;
    if (b > limited) {
      reader.readUntil(e, endDetail);
      limited = b;
    }
    if (reader.offset() < e) {
      return READ;
    }
    return b > lastBarrier ? b : WAIT;
  }
}
