package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.checkpoint.TaskState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import dev.sluice.core.runtime.CheckpointTestSupport.GatedTwoSplits;
import dev.sluice.core.runtime.CheckpointTestSupport.Range;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source task that snapshots at a barrier and then reaches the end of its split before the
 * writer thread has written that snapshot. It used to hand over a second, "finished" state for the
 * same checkpoint, written into the same state file by another writer thread: whichever write
 * acknowledged first went into the metadata and the other overwrote the file afterwards. A restart
 * then found the checkpoint damaged ("truncated or overwritten") and fell back to an older one
 * whose later output the sink had already committed (output repeated), or restored the task as
 * finished and lost the rest of its split. The first write is held back here until the task has
 * finished, so the race is open on every run.
 */
class FinishingTaskCheckpointTest {
  private static final String JOB = "finishing-task";

  @TempDir Path temp;

  static final AtomicBoolean GATE = GatedTwoSplits.gate(JOB);

  @AfterEach
  void removeHook() {
    StreamCheckpoints.beforeStateWrite = null;
  }

  @Test
  void aTaskFinishingWhileItsSnapshotIsWrittenKeepsThatSnapshot() throws Exception {
    GATE.set(false);
    AtomicBoolean held = new AtomicBoolean();
    AtomicLong heldCheckpoint = new AtomicLong(-1);
    AtomicReference<Range> heldRemaining = new AtomicReference<>();
    AtomicReference<StreamTask> heldTask = new AtomicReference<>();
    AtomicBoolean taskFinishedWhileHeld = new AtomicBoolean();
    CountDownLatch secondWrite = new CountDownLatch(1);
    StreamCheckpoints.beforeStateWrite = (t, state) -> {
      if (!t.job.plan.logical().name().equals(JOB)) {
        return;
      }
      if (state.finished() && t == heldTask.get() && t.triggered == heldCheckpoint.get()) {
        secondWrite.countDown(); // (before the fix) the finished state of the same checkpoint
        return;
      }
      if (!state.finished() && state.remaining() instanceof Range r && r.id().equals("a") && r.from() < r.to()
          && held.compareAndSet(false, true)) {
        heldTask.set(t);
        heldCheckpoint.set(t.triggered);
        heldRemaining.set(r);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!t.done && System.nanoTime() < deadline) {
          LockSupport.parkNanos(1_000_000);
        }
        taskFinishedWhileHeld.set(t.done);
        try {
          // Gives a second write of this task's state (the bug) the time to start; none comes with the fix.
          secondWrite.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    CollectSink<Long> sink = new CollectSink<>();
    Pipeline p = Pipeline.create(JOB);
    p.read(new GatedTwoSplits(JOB)).map(x -> x * 3).write(sink);
    RunOptions o = RunOptions.streaming().withParallelism(2).withMaxAttempts(1)
        .withCheckpointing(temp.resolve("ck"), Duration.ofMillis(5));
    o = o.withCheckpointing(o.checkpointing().withRetained(10_000));
    JobHandle h = p.start(o);
    CheckpointStorage storage = new CheckpointStorage(temp.resolve("ck"), JOB);
    try {
      StreamingTestSupport.await("the held checkpoint to complete",
          () -> held.get() && storage.hasMetadata(heldCheckpoint.get()));
    } finally {
      GATE.set(true);
    }
    JobResult r = h.await();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(taskFinishedWhileHeld).as("split a's task finished while its snapshot was held").isTrue();
    List<Long> got = new ArrayList<>(sink.result());
    got.sort(null);
    List<Long> expected = new ArrayList<>();
    for (long x = 0; x < 2_000; x++) {
      expected.add(x * 3);
    }
    assertThat(got).isEqualTo(expected);

    // The checkpoint restores as taken at the barrier: the task's state file is intact and holds
    // the unread rest of split "a", not a finished task.
    long id = heldCheckpoint.get();
    StreamCheckpoints reader = new StreamCheckpoints(p.plan(), o.checkpointing());
    try {
      StreamCheckpoints.Restored restored = reader.loadFrom(storage.dirOf(id));
      TaskState a = null;
      for (List<TaskState> l : restored.byStage().values()) {
        for (TaskState s : l) {
          if (s.stage() == heldTask.get().stage.id() && s.index() == heldTask.get().index) {
            a = s;
          }
        }
      }
      assertThat(a).as("state of split a's task in checkpoint %d", id).isNotNull();
      assertThat(a.finished()).as("restored as finished (the rest of its split would be lost)").isFalse();
      assertThat(a.remaining()).isEqualTo(heldRemaining.get());
    } finally {
      reader.shutdown();
    }
  }
}
