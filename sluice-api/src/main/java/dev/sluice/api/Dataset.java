package dev.sluice.api;

import dev.sluice.api.function.FilterFunction;
import dev.sluice.api.function.ProcessFunction;
import dev.sluice.api.time.TimestampAssigner;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.function.FlatMapFunction;
import dev.sluice.api.function.IterableFunction;
import dev.sluice.api.function.KeySelector;
import dev.sluice.api.function.MapFunction;
import dev.sluice.api.function.SerializableComparator;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.source.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A distributed collection of records of type {@code T}: the result of reading a source or of a
 * transformation. Immutable handle; every method appends a transform to the pipeline and returns a
 * new handle. A dataset may be consumed by several transforms (fan-out).
 */
public final class Dataset<T> {
  final Pipeline pipeline;
  final int id;

  Dataset(Pipeline pipeline, int id) {
    this.pipeline = pipeline;
    this.id = id;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** The id of the transform that produces this dataset. */
  public int id() {
    return id;
  }

  public <R> Dataset<R> map(MapFunction<? super T, ? extends R> fn) {
    return next("map", new Op.Map(Objects.requireNonNull(fn, "fn")));
  }

  public Dataset<T> filter(FilterFunction<? super T> fn) {
    return next("filter", new Op.Filter(Objects.requireNonNull(fn, "fn")));
  }

  /** Emits any number of records per record, through a collector (no allocation per record). */
  public <R> Dataset<R> flatMap(FlatMapFunction<? super T, R> fn) {
    return next("flatMap", new Op.FlatMap(Objects.requireNonNull(fn, "fn")));
  }

  /** Emits the records of the returned iterable. */
  public <R> Dataset<R> flatMap(IterableFunction<? super T, ? extends R> fn) {
    Objects.requireNonNull(fn, "fn");
    FlatMapFunction<T, R> adapter = (value, out) -> {
      Iterable<? extends R> it = fn.apply(value);
      if (it != null) {
        for (R r : it) {
          out.collect(r);
        }
      }
    };
    return next("flatMap", new Op.FlatMap(adapter));
  }

  /** All records of this and the other datasets. */
  @SafeVarargs
  public final Dataset<T> union(Dataset<T>... others) {
    List<Integer> inputs = new ArrayList<>();
    inputs.add(id);
    for (Dataset<T> o : others) {
      if (o.pipeline != pipeline) {
        throw new IllegalArgumentException("cannot union datasets of different pipelines");
      }
      inputs.add(o.id);
    }
    return new Dataset<>(pipeline, pipeline.add("union", new Op.Union(), inputs, 0));
  }

  /** Groups by key for aggregations and joins. Records with equal keys meet in one task. */
  public <K> KeyedDataset<K, T> keyBy(KeySelector<? super T, ? extends K> key) {
    return new KeyedDataset<>(this, Objects.requireNonNull(key, "key"));
  }

  /** Spreads records round-robin over all tasks of the next stage (e.g. after a skewed source). */
  public Dataset<T> rebalance() {
    return next("rebalance", new Op.Rebalance());
  }

  /** The distinct records (by {@code equals}). */
  public Dataset<T> distinct() {
    return keyBy(x -> x).reduce((a, b) -> a).map(KV::key).named("distinct");
  }

  /**
   * Sorts all records: partitions by sampled key ranges and sorts each partition, so partition 0
   * holds the smallest records and output part files are in order.
   */
  public Dataset<T> sortBy(SerializableComparator<? super T> comparator) {
    return next("sort", new Op.Sort(Objects.requireNonNull(comparator, "comparator")));
  }

  /** Sorts by an extracted comparable key. */
  public <C extends Comparable<? super C>> Dataset<T> sortBy(KeySelector<? super T, C> key) {
    Objects.requireNonNull(key, "key");
    KeySelector<T, C> k = key::key;
    return sortBy(SerializableComparator.comparing(k));
  }

  /** The records the source of this dataset could not read (its policy must be DEAD_LETTER). */
  public Dataset<DeadLetter> deadLetters() {
    Op op = pipeline.transform(id).op();
    if (!(op instanceof Op.Read read)) {
      throw new IllegalStateException("deadLetters() applies to a dataset read from a source, not to " + op.label());
    }
    if (read.source().badRecordPolicy() != dev.sluice.api.source.BadRecordPolicy.DEAD_LETTER) {
      throw new IllegalStateException("source " + read.source().name()
          + " has bad-record policy " + read.source().badRecordPolicy() + "; set DEAD_LETTER to use deadLetters()");
    }
    return next("deadLetters", new Op.DeadLetters());
  }

  /**
   * Assigns event timestamps and watermarks. Placed right after {@code read}, watermarks are tracked
   * per source split and merged downstream as the minimum over live inputs.
   */
  public Dataset<T> withTimestamps(TimestampAssigner<? super T> assigner, WatermarkStrategy<? super T> watermarks) {
    return next("timestamps", new Op.Timestamps(Objects.requireNonNull(assigner, "assigner"),
        Objects.requireNonNull(watermarks, "watermarks")));
  }

  /** Generates watermarks from the timestamps the source attached (e.g. a generator or Kafka source). */
  public Dataset<T> withWatermarks(WatermarkStrategy<? super T> watermarks) {
    return next("watermarks", new Op.Timestamps(null, Objects.requireNonNull(watermarks, "watermarks")));
  }

  /** The general per-record operator: timestamps, side outputs, any number of outputs. */
  public <R> Dataset<R> process(ProcessFunction<? super T, R> fn) {
    return next("process", new Op.Process(Objects.requireNonNull(fn, "fn")));
  }

  /**
   * The side output {@code tag} of the operator that produced this dataset: late elements of a
   * window ({@link WindowedDataset#lateElementsTo}) or what a process function emits with
   * {@code ctx.output(tag, value)}.
   */
  public <X> Dataset<X> sideOutput(SideOutput<X> tag) {
    Objects.requireNonNull(tag, "tag");
    Op op = pipeline.transform(id).op();
    if (!(op instanceof Op.Window || op instanceof Op.Process || op instanceof Op.KeyedProcess)) {
      throw new IllegalStateException("sideOutput(" + tag.name() + ") applies to the output of a window or process operator, not to "
          + op.label());
    }
    if (op instanceof Op.Window w && !tag.name().equals(w.lateTag())) {
      throw new IllegalStateException("the window has no side output named " + tag.name()
          + "; name it with lateElementsTo(tag) before aggregating");
    }
    return next("sideOutput(" + tag.name() + ")", new Op.SideOutput(tag.name()));
  }

  /** Writes to a sink. Returns the pipeline so more outputs can be added before {@code run}. */
  public Pipeline write(Sink<? super T> sink) {
    Objects.requireNonNull(sink, "sink");
    pipeline.add("write", new Op.Write(sink), List.of(id), 0);
    return pipeline;
  }

  /** Runs this dataset's lineage with default options and returns its records. For tests and small results. */
  public List<T> collect() {
    return collect(RunOptions.defaults());
  }

  /**
   * Runs this dataset's lineage (only the transforms it depends on) and returns its records, in
   * partition order (so a sorted dataset comes back sorted).
   */
  public List<T> collect(RunOptions options) {
    CollectSink<T> sink = new CollectSink<>();
    Pipeline copy = Pipeline.create(pipeline.name());
    dev.sluice.api.plan.LogicalPlan plan = pipeline.plan();
    int[] newIds = new int[plan.transforms().size()];
    java.util.Arrays.fill(newIds, -1);
    markLineage(plan, id, newIds);
    for (Transform t : plan.transforms()) {
      if (newIds[t.id()] == 0 && !(t.op() instanceof Op.Write)) {
        List<Integer> inputs = new ArrayList<>();
        for (int in : t.inputs()) {
          inputs.add(newIds[in]);
        }
        newIds[t.id()] = copy.add(t.name(), t.op(), inputs, t.parallelism());
      }
    }
    plan.codecs().forEach((type, codec) -> copy.registerCodecUnchecked(type, codec));
    plan.allowedTypes().forEach(copy::registerType);
    copy.add("collect", new Op.Write(sink), List.of(newIds[id]), 0);
    copy.run(options);
    return sink.result();
  }

  private static void markLineage(dev.sluice.api.plan.LogicalPlan plan, int id, int[] marks) {
    if (marks[id] == 0) {
      return;
    }
    marks[id] = 0;
    for (int in : plan.transform(id).inputs()) {
      markLineage(plan, in, marks);
    }
  }

  /** Names the transform that produces this dataset (shown in plans and metrics). */
  public Dataset<T> named(String name) {
    Transform t = pipeline.transform(id);
    pipeline.replace(new Transform(t.id(), Objects.requireNonNull(name, "name"), t.op(), t.inputs(), t.parallelism()));
    return this;
  }

  /** Sets the parallelism of the transform that produces this dataset. */
  public Dataset<T> withParallelism(int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be positive, was " + parallelism);
    }
    Transform t = pipeline.transform(id);
    pipeline.replace(new Transform(t.id(), t.name(), t.op(), t.inputs(), parallelism));
    return this;
  }

  <R> Dataset<R> next(String name, Op op) {
    return new Dataset<>(pipeline, pipeline.add(name, op, List.of(id), 0));
  }
}
