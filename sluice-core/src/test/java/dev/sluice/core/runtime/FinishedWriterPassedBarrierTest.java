package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.core.runtime.CheckpointTestSupport.GatedFailingFlags;
import dev.sluice.core.runtime.CheckpointTestSupport.Range;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink writer that passes a checkpoint's barrier and then reaches the end of its input before
 * that checkpoint completes. Its last committable holds the records after the barrier, which the
 * checkpoint's task state does not cover (the task read them after its snapshot): committed with
 * that checkpoint, they were output twice when a failure then restored it and the split's rest was
 * read again. Seen as thousands of duplicated rows in {@code JdbcSourceTest}'s injected-failure
 * case, about 1 run in 40. Here split "a"'s state write for a checkpoint is held until its writer
 * has finished, and the job fails right after that checkpoint completes, so the window is open on
 * every run.
 */
class FinishedWriterPassedBarrierTest {
  private static final String JOB = "finished-after-barrier";

  @TempDir Path temp;

  static final GatedFailingFlags FLAGS = GatedFailingFlags.of(JOB);

  @AfterEach
  void removeHook() {
    StreamCheckpoints.beforeStateWrite = null;
  }

  @Test
  void aWritersLastRecordsAfterABarrierAreNotCommittedWithThatCheckpoint() throws Exception {
    FLAGS.reset();
    AtomicBoolean held = new AtomicBoolean();
    AtomicBoolean writerFinishedWhileHeld = new AtomicBoolean();
    AtomicBoolean completedBeforeFailure = new AtomicBoolean();
    StreamCheckpoints.beforeStateWrite = (task, state) -> {
      StreamExecution exec = task.job;
      if (!exec.plan.logical().name().equals(JOB) || !(state.remaining() instanceof Range r) || !r.id().equals("a")
          || r.from() > 500 || !held.compareAndSet(false, true)) {
        return;
      }
      // Split "a"'s task took this checkpoint's snapshot and goes on to the end of its split; its
      // writer passes the barrier, then reaches its end while this state write waits.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!writerDone(exec, task.index) && System.nanoTime() < deadline) {
        LockSupport.parkNanos(1_000_000);
      }
      writerFinishedWhileHeld.set(writerDone(exec, task.index));
      StreamCheckpoints.Attempt attempt = exec.checkpointAttempt;
      long before = attempt.completedCount;
      Thread failer = new Thread(() -> {
        // Once this checkpoint completed, the job fails: the restart restores it.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (attempt.completedCount == before && System.nanoTime() < until) {
          LockSupport.parkNanos(1_000_000);
        }
        completedBeforeFailure.set(attempt.completedCount > before);
        FLAGS.fail().set(true);
        FLAGS.gate().set(true);
      }, "test-failer");
      failer.setDaemon(true);
      failer.start();
    };
    CollectSink<Long> sink = new CollectSink<>();
    Pipeline p = CheckpointTestSupport.gatedFailingJob(JOB, sink);
    RunOptions o = CheckpointTestSupport.gatedFailingJobOptions(temp.resolve("ck"));
    JobResult r;
    try {
      r = p.run(o);
    } finally {
      FLAGS.gate().set(true);
    }
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(held).as("a state write of split a was held").isTrue();
    assertThat(writerFinishedWhileHeld).as("split a's writer finished while it was held").isTrue();
    assertThat(completedBeforeFailure).as("that checkpoint completed before the job failed").isTrue();
    assertThat(FLAGS.failed()).isTrue();
    List<Long> got = new ArrayList<>(sink.result());
    got.sort(null);
    List<Long> expected = CheckpointTestSupport.gatedFailingJobOutput();
    assertThat(got).as("output: %d records of 2000", got.size()).isEqualTo(expected);
  }

  private static boolean writerDone(StreamExecution exec, int index) {
    for (StreamExecution.SinkLoop l : exec.sinkLoops()) {
      if (l.index == index && l.done) {
        return true;
      }
    }
    return false;
  }
}
