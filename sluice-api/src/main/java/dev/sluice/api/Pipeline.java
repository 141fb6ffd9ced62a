package dev.sluice.api;

import dev.sluice.api.codec.Codec;
import dev.sluice.api.internal.CollectionSource;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.plan.Op;
import dev.sluice.api.plan.PipelineRunner;
import dev.sluice.api.plan.Transform;
import dev.sluice.api.source.Source;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A dataflow under construction: read sources, transform {@link Dataset}s, write them to sinks,
 * then {@link #run}. Building a pipeline only records transforms; nothing executes until
 * {@code run} (or {@link Dataset#collect}).
 *
 * <p>Not thread-safe: build a pipeline on one thread. A pipeline can be run more than once.
 */
public final class Pipeline {
  private final String name;
  private final List<Transform> transforms = new ArrayList<>();
  private final Map<Class<?>, Codec<?>> codecs = new LinkedHashMap<>();
  private final Set<Class<?>> allowedTypes = new LinkedHashSet<>();

  private Pipeline(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  public static Pipeline create(String name) {
    return new Pipeline(name);
  }

  public String name() {
    return name;
  }

  /** Reads a source. */
  public <T> Dataset<T> read(Source<T> source) {
    Objects.requireNonNull(source, "source");
    return new Dataset<>(this, add(source.name(), new Op.Read(source), List.of(), 0));
  }

  /** Reads an in-memory list, split into one chunk per task. For tests and small inputs. */
  public <T> Dataset<T> fromCollection(List<T> values) {
    return read(new CollectionSource<>(values));
  }

  /** Uses {@code codec} for values of exactly this class in spill files (and later checkpoints). */
  public <T> Pipeline registerCodec(Class<T> type, Codec<T> codec) {
    codecs.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(codec, "codec"));
    return this;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  void registerCodecUnchecked(Class<?> type, Codec<?> codec) {
    registerCodec((Class) type, (Codec) codec);
  }

  /**
   * Allows the default serializer to read values of this class back. Types the job writes itself are
   * allowed automatically; this is for types that only ever arrive from files written earlier.
   */
  public Pipeline registerType(Class<?> type) {
    allowedTypes.add(Objects.requireNonNull(type, "type"));
    return this;
  }

  /** Runs with default options (batch, all cores). Blocks until done. */
  public JobResult run() {
    return run(RunOptions.defaults());
  }

  /** Runs the pipeline; blocks until done. Throws {@link JobFailedException} if it fails. */
  public JobResult run(RunOptions options) {
    return runner().run(plan(), options);
  }

  /**
   * Starts the pipeline and returns at once. Use for unbounded (streaming) jobs: the handle cancels
   * the job and waits for it.
   */
  public JobHandle start(RunOptions options) {
    return runner().start(plan(), options);
  }

  /** The physical plan as text, as {@code sluice explain} prints it. */
  public String explain(RunOptions options) {
    return runner().explain(plan(), options);
  }

  public String explain() {
    return explain(RunOptions.defaults());
  }

  /** A snapshot of the pipeline as an immutable logical plan. */
  public LogicalPlan plan() {
    return new LogicalPlan(name, transforms, codecs, allowedTypes);
  }

  int add(String opName, Op op, List<Integer> inputs, int parallelism) {
    int id = transforms.size();
    transforms.add(new Transform(id, opName, op, inputs, parallelism));
    return id;
  }

  Transform transform(int id) {
    return transforms.get(id);
  }

  void replace(Transform t) {
    transforms.set(t.id(), t);
  }

  static PipelineRunner runner() {
    Iterator<PipelineRunner> it = ServiceLoader.load(PipelineRunner.class).iterator();
    if (!it.hasNext()) {
      throw new IllegalStateException(
          "no Sluice runner on the class path: add the dev.sluice:sluice-core dependency to run pipelines");
    }
    return it.next();
  }
}
