package dev.sluice.examples.nexmark;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.io.Sinks;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A NEXMark job: the generator (or a JSON-lines events file), one query, and a JSON-lines file sink
 * or a discarding sink. Used by {@code sluice run nexmark} and the benchmark.
 */
public final class Nexmark {
  private Nexmark() {}

  /**
   * What to run.
   *
   * @param query q0..q8
   * @param generator the generator's config (its {@code maxEvents} is {@code --events}); unused with an events file
   * @param rate events per second over all splits; 0 for as fast as possible
   * @param eventsFile JSON-lines events to read instead of generating; null to generate
   * @param badRecords the events file's bad-record policy
   * @param outOfOrderness how far events of the events file may be out of timestamp order
   * @param output directory for part files; null for the discarding sink
   * @param overwrite replace an earlier output
   * @param params query parameters
   */
  public record Job(String query, GeneratorConfig generator, long rate, String eventsFile, BadRecordPolicy badRecords,
      Duration outOfOrderness, String output, boolean overwrite, Queries.Params params) {
    public Job {
      Objects.requireNonNull(query, "query");
      if (!Queries.NAMES.contains(query.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("unknown query '" + query + "'; choose one of " + Queries.NAMES);
      }
      if (rate < 0) {
        throw new IllegalArgumentException("rate must be zero (unlimited) or positive, was " + rate);
      }
    }

    public static Job of(String query, long events) {
      return new Job(query, GeneratorConfig.defaults(events), 0, null, BadRecordPolicy.FAIL, Duration.ofSeconds(1), null,
          false, Queries.Params.defaults());
    }

    public Job withRate(long r) {
      return new Job(query, generator, r, eventsFile, badRecords, outOfOrderness, output, overwrite, params);
    }

    public Job withOutput(String dir, boolean replace) {
      return new Job(query, generator, rate, eventsFile, badRecords, outOfOrderness, dir, replace, params);
    }

    public Job withEventsFile(String file, BadRecordPolicy policy) {
      return new Job(query, generator, rate, file, policy, outOfOrderness, output, overwrite, params);
    }
  }

  /** A built pipeline and the counters its source and sink add to. */
  public record Built(Pipeline pipeline, EventCounter events, EventCounter results) {}

  /** Builds the job's pipeline. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Built build(Job job) {
    EventCounter events = new EventCounter();
    EventCounter results = new EventCounter();
    Pipeline p = Pipeline.create("nexmark-" + job.query().toLowerCase(Locale.ROOT));
    Dataset<Event> in;
    if (job.eventsFile() != null) {
      in = p.read(EventJson.source(job.eventsFile(), job.badRecords()))
          .withTimestamps(Event::timestamp, WatermarkStrategy.boundedOutOfOrderness(job.outOfOrderness()));
    } else {
      in = p.read(new NexmarkSource(job.generator(), job.rate(), events));
    }
    Dataset<?> out = Queries.build(job.query(), in, job.params());
    Sink sink;
    if (job.output() == null) {
      sink = new DiscardingSink<>(results);
    } else if (job.query().equalsIgnoreCase("q0")) {
      sink = Sinks.textFiles(job.output(), (Event e) -> EventJson.toJson(e)).withOverwrite(job.overwrite());
    } else {
      sink = Sinks.jsonLines(job.output()).withOverwrite(job.overwrite());
    }
    ((Dataset) out).write(sink);
    return new Built(p, events, results);
  }

  /**
   * The events a finished job read: the runtime's count for streaming runs, else counted by the
   * generator, or the read operator's records out (an events file).
   */
  public static long eventsRead(Built b, JobResult r) {
    if (r != null && r.stream() != null && r.stream().events() > 0) {
      return r.stream().events();
    }
    long n = b.events().get();
    if (n == 0 && r != null) {
      for (JobResult.OperatorMetrics m : r.operators()) {
        if (m.id() == 0) {
          return m.recordsOut();
        }
      }
    }
    return n;
  }

  /** The summary line of a finished job; {@code wallSeconds} is used when the runtime reports no run time. */
  public static String summary(Built b, JobResult r, double wallSeconds) {
    long events = eventsRead(b, r);
    JobResult.StreamStats s = r == null ? null : r.stream();
    double seconds = s != null && !s.duration().isZero() ? s.duration().toNanos() / 1e9 : wallSeconds;
    String latency = s != null && s.latencySamples() > 0
        ? String.format(Locale.ROOT, "%.3f/%.3f/%.3f", s.p50Ms(), s.p99Ms(), s.p999Ms())
        : "n/a";
    return summary(events, seconds, latency);
  }

  /** {@code events: <n>, seconds: <s>, events/s: <rate>, p50/p99/p99.9 ms: <a>/<b>/<c>}. */
  public static String summary(long events, double seconds, String latency) {
    return String.format(Locale.ROOT, "events: %d, seconds: %.3f, events/s: %.0f, p50/p99/p99.9 ms: %s", events, seconds,
        seconds > 0 ? events / seconds : 0.0, latency);
  }
}
