package dev.sluice.kafka;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.MapFunction;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.IOException;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A Kafka-to-Kafka copy with exactly-once output and checkpoints, for the kill test's child JVM:
 * {@code bootstrap in out checkpointDir parallelism intervalMs pauseEvery}; exit code 0 when the
 * job succeeded.
 */
public final class KafkaCopyJob {
  private KafkaCopyJob() {}

  /** Pauses 1 ms every {@code every} records per task, so that kills land mid-input. */
  record Throttle(int every) implements MapFunction<String, String> {
    static final ThreadLocal<long[]> SEEN = ThreadLocal.withInitial(() -> new long[1]);

    @Override
    public String apply(String v) {
      if (++SEEN.get()[0] % every == 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      return v;
    }
  }

  /**
   * The Kafka sink, with each checkpoint's commit held back 300 ms: kills then often land between a
   * complete checkpoint and its commit, so the next run must resume those transactions.
   */
  record SlowCommit<T>(KafkaSink<T> delegate) implements Sink<T> {
    @Override public void open(int parallelism) throws IOException {
      delegate.open(parallelism);
    }

    @Override public SinkWriter<T> writer(WriterContext context) throws IOException {
      return delegate.writer(context);
    }

    @Override public void commit(List<Object> committables) throws IOException {
      java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);
      delegate.commit(committables);
    }

    @Override public boolean supportsCheckpoints() {
      return true;
    }

    @Override public void recover(int parallelism, List<Object> committables) throws IOException {
      delegate.recover(parallelism, committables);
    }

    @Override public void abort() {
      delegate.abort();
    }
  }

  static Pipeline pipeline(String bootstrap, String in, String out, int pauseEvery) {
    Pipeline p = Pipeline.create("kafka-copy");
    p.read(KafkaSource.builder(bootstrap, in).bounded(StoppingOffsets.latest()).build())
        .map(new Throttle(pauseEvery))
        .write(new SlowCommit<>(KafkaSink.<String>builder(bootstrap, out).deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
            .transactionalIdPrefix("kafka-copy").build()));
    return p;
  }

  public static void main(String[] args) {
    JobResult r = pipeline(args[0], args[1], args[2], Integer.parseInt(args[6]))
        .run(RunOptions.streaming().withParallelism(Integer.parseInt(args[4])).withMaxAttempts(3)
            .withRetryBackoff(Duration.ZERO)
            .withCheckpointing(Path.of(args[3]), Duration.ofMillis(Long.parseLong(args[5]))));
    System.out.println("KAFKA-COPY " + r.status());
    System.exit(r.status() == JobResult.Status.SUCCEEDED ? 0 : 1);
  }
}
