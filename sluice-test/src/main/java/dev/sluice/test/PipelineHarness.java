package dev.sluice.test;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs a whole pipeline in streaming mode with a {@link VirtualClock}, on in-memory inputs
 * ({@link TestStream}, {@code Sources.timestamped}, a bounded generator) and collects what it
 * writes, for assertions:
 *
 * <pre>{@code
 * PipelineHarness h = PipelineHarness.create();
 * Pipeline p = Pipeline.create("clicks");
 * Dataset<Windowed<String, Long>> counts = p.read(clicks).keyBy(s -> s)
 *     .window(Windows.tumbling(Duration.ofSeconds(10))).count();
 * TestSink<Windowed<String, Long>> out = h.collect(counts);
 * h.run(p);
 * out.assertValuesInAnyOrder(...);
 * }</pre>
 *
 * <p>{@link #run} waits for a job over bounded inputs to end; {@link #start} returns the handle of
 * a job over unbounded inputs (wait for output with {@link TestSink#awaitCount}, move processing
 * time with {@link #clock()}, then cancel). Jobs started by the harness are cancelled by
 * {@link #close()}. Options default to {@code RunOptions.streaming()} at parallelism 2 with the
 * harness's clock; {@link #withOptions} changes them (the clock is always the harness's).
 * Not thread-safe.
 */
public final class PipelineHarness implements AutoCloseable {
  private final VirtualClock clock;
  private final RunOptions options;
  private final List<JobHandle> started = new ArrayList<>();
  private int sinks;

  private PipelineHarness(VirtualClock clock, RunOptions options) {
    this.clock = clock;
    this.options = options.withClock(clock);
  }

  /** Streaming mode, parallelism 2, a virtual clock at 0. */
  public static PipelineHarness create() {
    return new PipelineHarness(new VirtualClock(0), RunOptions.streaming().withParallelism(2).withMaxAttempts(1));
  }

  /** The same harness with other run options; the harness's virtual clock replaces theirs. */
  public PipelineHarness withOptions(RunOptions o) {
    return new PipelineHarness(clock, Objects.requireNonNull(o, "options"));
  }

  public VirtualClock clock() {
    return clock;
  }

  public RunOptions options() {
    return options;
  }

  /** Writes {@code dataset} to a new in-memory sink and returns it (add all sinks before running). */
  public <T> TestSink<T> collect(Dataset<T> dataset) {
    TestSink<T> sink = new TestSink<>("output-" + (sinks++));
    dataset.write(sink);
    return sink;
  }

  /** Runs the pipeline to its end (bounded inputs); throws the job's failure. */
  public JobResult run(Pipeline pipeline) {
    return pipeline.run(options);
  }

  /** Starts the pipeline (unbounded inputs); the harness cancels it on {@link #close()}. */
  public JobHandle start(Pipeline pipeline) {
    JobHandle h = pipeline.start(options);
    started.add(h);
    return h;
  }

  /** Moves processing time forward (timers and processing-time windows of running jobs fire). */
  public PipelineHarness advanceProcessingTime(Duration d) {
    clock.advance(d);
    return this;
  }

  /** Cancels the jobs this harness started and waits for them to stop. */
  @Override
  public void close() {
    for (JobHandle h : started) {
      h.cancel();
    }
    for (JobHandle h : started) {
      h.result().exceptionally(e -> null).join();
    }
    started.clear();
  }

  /** A guard for waits in tests: long enough for a loaded 2-core machine. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);
}
