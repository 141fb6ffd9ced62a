package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.sink.Sink;
import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink whose commit fails (slowly, as a database that went away does) fails the job, which
 * restarts from its latest complete checkpoint; the committables of the checkpoint whose commit
 * failed must not be lost, even when the next checkpoint completes while that commit is still
 * running (its metadata must carry them too).
 */
class FailedCommitTest {
  static final Map<String, Map<Long, Integer>> COMMITTED = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();

  @TempDir Path temp;

  /** Stages values per checkpoint; commit adds them to COMMITTED, skipping committables already committed (by id). */
  record FlakySink(String key, int failures) implements Sink<Long> {
    @Override
    public SinkWriter<Long> writer(WriterContext context) {
      return new SinkWriter<>() {
        final List<Long> staged = new ArrayList<>();

        @Override
        public void write(Long record) {
          staged.add(record);
        }

        @Override
        public Object prepareCommit(long checkpointId) {
          return seal(checkpointId);
        }

        @Override
        public Object prepareCommit() {
          return seal(-1);
        }

        private Object seal(long id) {
          if (staged.isEmpty()) {
            return null;
          }
          List<Long> l = new ArrayList<>(staged);
          l.add(0, context.partition() * 1_000_000_000L + id); // committable id in front
          staged.clear();
          return l;
        }

        @Override
        public void abort() {
          staged.clear();
        }
      };
    }

    @Override
    public boolean supportsCheckpoints() {
      return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void commit(List<Object> committables) throws IOException {
      Map<Long, Integer> out = COMMITTED.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
      if (!out.isEmpty() && FAILURES.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() <= failures) {
        try {
          Thread.sleep(300); // the next checkpoint completes meanwhile
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("injected commit failure");
      }
      synchronized (out) {
        for (Object o : committables) {
          List<Long> l = (List<Long>) o;
          if (out.putIfAbsent(-2 - l.get(0), 1) == null) { // each committable once (ids kept as negative keys)
            for (int i = 1; i < l.size(); i++) {
              out.merge(l.get(i), 1, Integer::sum);
            }
          }
        }
      }
    }
  }

  @Test
  void committablesOfAFailedCommitAreCommittedAfterTheRestart() {
    long n = 40_000;
    for (int round = 0; round < 3; round++) {
      String key = "round" + round + "-" + System.nanoTime();
      Pipeline p = Pipeline.create("failed-commit");
      p.read(new SeqSource(n, 200, 5_000_000, round == 1, true)).write(new FlakySink(key, 1));
      JobResult r = p.run(RunOptions.streaming().withParallelism(2).withMaxAttempts(3)
          .withRetryBackoff(Duration.ZERO).withCheckpointing(temp.resolve("ck" + round), Duration.ofMillis(20)));
      assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
      assertThat(FAILURES.get(key).get()).as("a commit failed").isGreaterThan(0);
      Map<Long, Integer> got = COMMITTED.get(key);
      long values = 0;
      for (long x = 0; x < n; x++) {
        assertThat(got.get(x)).as("value %d committed once (round %d)", x, round).isEqualTo(1);
        values++;
      }
      assertThat(values).isEqualTo(n);
    }
  }
}
