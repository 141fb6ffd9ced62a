package dev.sluice.api.source;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Where records come from. One contract for every source, modelled on Flink's FLIP-27: the source
 * splits its input into {@link SourceSplit}s (file byte ranges, list chunks, later Kafka partitions)
 * and creates one {@link SplitReader} per split.
 *
 * <p>{@link #splits} is called once per job on the coordinating thread; readers are created and used
 * on one task thread each. A source must be serializable: it travels with the plan.
 */
public interface Source<T> extends Serializable {

  /** Splits the input. {@code parallelism} is a hint for how many splits are useful. */
  List<? extends SourceSplit> splits(int parallelism) throws IOException;

  /** Opens a reader for one split. Called again for the same split when a task is retried. */
  SplitReader<T> reader(SourceSplit split, SourceContext context) throws IOException;

  /** Whether the input ends. Batch mode requires bounded sources. */
  default boolean bounded() {
    return true;
  }

  /** A short name for plans and messages, e.g. {@code textFiles(books/*.txt)}. */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * Whether {@link SplitReader#read} may block on I/O (files, network). The streaming runtime runs
   * blocking readers on I/O threads and non-blocking ones (generators, in-memory data) fused with
   * their downstream chain on the worker threads.
   */
  default boolean blocking() {
    return true;
  }

  /** The bad-record policy of this source. Sources that cannot meet bad input return FAIL. */
  default BadRecordPolicy badRecordPolicy() {
    return BadRecordPolicy.FAIL;
  }

  /**
   * Whether this source's readers may emit the same mutable object for successive records (object
   * reuse, opt-in; default false). The engine then allows the source to feed only keyed
   * aggregations that combine before the shuffle (and its dead-letter output): the planner rejects
   * any other consumer, because an operator that keeps a record (an exchange, a sink, a join, a
   * user function) would see it change under its feet. The map-side combine keeps only the key and
   * the accumulator, so the user's key selector must return a value that stays valid when the
   * record object is refilled (an immutable field such as a String, not the record itself) and the
   * aggregation's {@code accumulate} must not keep a reference to the record. In streaming mode
   * such a source is read on a worker thread, fused with its aggregation, even if it blocks.
   */
  default boolean reusesRecords() {
    return false;
  }
}
