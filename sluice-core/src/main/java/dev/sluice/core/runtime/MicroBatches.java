package dev.sluice.core.runtime;

import dev.sluice.api.RunOptions;
import dev.sluice.core.checkpoint.MicroBatchLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The micro-batch coordinator of one attempt of a job (its trigger thread).
 *
 * <p>Design note. Batches run one at a time, and batch {@code n} is checkpoint {@code n}. Every
 * trigger interval it asks each live source split for its offset and the end of its available input
 * ({@link MicroSplit}), and makes the plan: per split {@code [offset, min(available, offset + max,
 * availableNow target))}. A plan that advances no split is skipped. The plan is written to the
 * offset log ({@link MicroBatchLog}) before any split may read it; then the checkpoint is started,
 * the splits get their ends, read up to them and put the batch's barrier out, which flows through
 * the job as a normal checkpoint barrier (alignment, operator snapshots, sink pre-commit). When the
 * checkpoint is complete and the sinks have committed, the commit log records the batch (on the
 * checkpoint I/O thread) and the next batch may be planned.
 *
 * <p>Recovery: the attempt restores the latest complete checkpoint {@code c} (= the last committed
 * batch; a missing commit entry for it is written now). If the offset log holds batch {@code c + 1},
 * it was planned but not committed: it is replayed first with the logged ends, after checking that
 * the restored readers stand at the logged starts, so it reads exactly the same records.
 *
 * <p>availableNow: the first plan's available ends are the targets; batches go up to them, and once
 * every split has reached its target and the last batch has committed, the job stops (successfully,
 * without a final end-of-input checkpoint, so the next run resumes from the last batch).
 */
final class MicroBatches implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(MicroBatches.class);

  private final StreamExecution exec;
  private final StreamCheckpoints.Attempt attempt;
  private final MicroBatchLog log;
  private final RunOptions.Trigger trigger;
  private final List<MicroSplit> splits;
  private final String job;
  /** The batch planned and not committed yet, or 0. */
  private volatile long open;
  private volatile long committed;
  /** Batches that overran their trigger interval since the last warning, and when that was (0: never). */
  private int overruns;
  private long lastBehindWarning;
  /** How often the falling-behind warning may repeat. */
  static final long BEHIND_WARNING_EVERY_NANOS = 60_000_000_000L;

  MicroBatches(StreamExecution exec, StreamCheckpoints.Attempt attempt, MicroBatchLog log, RunOptions.Trigger trigger,
               List<MicroSplit> splits) {
    this.exec = exec;
    this.attempt = attempt;
    this.log = log;
    this.trigger = trigger;
    this.splits = splits;
    this.job = exec.plan.logical().name();
    attempt.onCommitted = id -> {
      writeCommit(id);
      committed = id;
    };
  }

  private void writeCommit(long id) {
    try {
      if (!log.committed(id)) {
        log.writeCommit(id);
      }
    } catch (IOException e) {
      // The batch is committed all the same (its checkpoint is complete); a restart writes it again.
      LOG.warn("could not write the commit log entry of batch {} of job '{}': {}", id, job, e.toString());
    }
  }

  /** The job reached the end of its input and committed everything: the open batch committed too. */
  void endOfInput() {
    long id = open;
    if (id != 0 && committed < id) {
      writeCommit(id);
    }
  }

  @Override
  public void run() {
    try {
      loop();
    } catch (IOException | RuntimeException e) {
      if (!exec.stopped()) {
        exec.failCheckpoint("micro-batch coordinator: " + e.getMessage());
      }
    }
  }

  private boolean stopped() {
    return exec.stopped() || attempt.closed();
  }

  private void loop() throws IOException {
    StreamCheckpoints.Restored restored = exec.restored;
    long id = 1;
    if (restored != null) {
      if (restored.metadata().last()) {
        return; // the input ended in an earlier run: nothing to read
      }
      long c = restored.metadata().id();
      List<Long> plannedIds = log.plannedIds();
      long lastPlanned = plannedIds.isEmpty() ? 0 : plannedIds.get(plannedIds.size() - 1);
      if (lastPlanned > c + 1) {
        // At most one batch is planned beyond the latest complete checkpoint: later entries belong to a
        // history this checkpoint is not the end of (an older savepoint restored into the directory of a
        // job that went on), and batch ids would collide with them.
        throw new IllegalStateException("cannot resume micro-batch job '" + job + "' from batch " + c + " in "
            + log.offsetsDir().getParent() + ": its offset log holds batches up to " + lastPlanned
            + " planned after it (was an older savepoint restored into the checkpoint directory of a job that went"
            + " on?); restore it with a new --checkpoint-dir");
      }
      boolean planned;
      try {
        planned = log.readOffsets(c) != null;
      } catch (MicroBatchLog.TornEntryException e) {
        planned = true; // damaged after its batch committed (checkpoint c is complete)
      }
      if (planned) {
        writeCommit(c);
      }
      committed = c;
      id = c + 1;
    }
    MicroBatchLog.Plan replay;
    try {
      replay = log.readOffsets(id);
    } catch (MicroBatchLog.TornEntryException e) {
      // A crash while the entry was written (it is fsynced after its rename): the batch never ran, as
      // it starts only once the entry is durable, and nothing of it was committed. Plan it anew.
      LOG.warn("job '{}': {}; the batch never ran, planning it anew", job, e.getMessage());
      replay = null;
    }
    attempt.completionWaiter = Thread.currentThread();
    long[] targets = null;
    long interval = trigger.interval().toNanos();
    long lastStart = 0;
    boolean first = true;
    boolean ranBatch = false;
    while (!stopped()) {
      if (!first) {
        long deadline = lastStart + interval;
        if (ranBatch && interval > 0 && System.nanoTime() > deadline) {
          behind(id - 1, System.nanoTime() - lastStart, interval);
        }
        while (!stopped() && System.nanoTime() < deadline) {
          LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), 5_000_000L));
        }
      }
      first = false;
      lastStart = System.nanoTime();
      if (!ask()) {
        return; // stopped, or every split ended
      }
      MicroBatchLog.Plan plan;
      if (replay != null) {
        plan = replay;
        replay = null;
        for (MicroBatchLog.Range r : plan.ranges()) {
          MicroSplit m = find(r.stage(), r.task());
          if (m == null || (!m.ended && m.offset() != r.start())) {
            throw new IllegalStateException("cannot replay batch " + id + " of job '" + job + "' from "
                + log.offsetsDir().resolve(Long.toString(id)) + ": split " + r.task() + " of stage " + r.stage()
                + (m == null ? " does not exist in this run (was the parallelism changed?)"
                    : " stands at offset " + m.offset() + ", the batch starts at " + r.start()));
          }
        }
        LOG.info("job '{}' replays batch {} (planned, not committed)", job, id);
      } else {
        List<MicroBatchLog.Range> ranges = new ArrayList<>();
        boolean progress = false;
        boolean reachedTargets = true;
        if (trigger.availableNow() && targets == null) {
          targets = new long[splits.size()];
          for (int i = 0; i < splits.size(); i++) {
            targets[i] = splits.get(i).ended ? Long.MIN_VALUE : splits.get(i).available();
          }
        }
        for (int i = 0; i < splits.size(); i++) {
          MicroSplit m = splits.get(i);
          if (m.ended) {
            continue;
          }
          long start = m.offset();
          long end = Math.max(start, m.available());
          if (trigger.maxOffsetsPerSplit() > 0 && end - start > trigger.maxOffsetsPerSplit()) {
            end = start + trigger.maxOffsetsPerSplit();
          }
          if (targets != null) {
            end = Math.max(start, Math.min(end, targets[i]));
            reachedTargets &= end >= targets[i];
          }
          progress |= end > start;
          ranges.add(new MicroBatchLog.Range(m.stage, m.task, start, end, m.detail()));
        }
        if (!progress && !attempt.savepointQueued()) {
          if (trigger.availableNow()) {
            while (!stopped() && committed < id - 1) {
              LockSupport.parkNanos(200_000L); // the previous batch's sink commit may still run
            }
            LOG.info("job '{}' processed the input available at its start; stopping", job);
            exec.finishAfterBatch();
            return;
          }
          ranBatch = false;
          continue; // nothing new: no batch this interval
        }
        plan = new MicroBatchLog.Plan(id, ranges);
        log.writeOffsets(plan); // durable before anything of the batch runs
      }
      if (!attempt.startBatch(id, lastStart)) {
        return; // the attempt is closing
      }
      open = id;
      for (MicroBatchLog.Range r : plan.ranges()) {
        MicroSplit m = find(r.stage(), r.task());
        m.plan(id, r.end(), r.detail());
      }
      // The next batch may be planned as soon as this one's checkpoint is complete (its metadata is
      // written): the sinks' commit and the commit log entry run on the I/O thread meanwhile. At most
      // one planned batch is ever beyond the latest complete checkpoint, which is what recovery replays.
      while (!stopped() && attempt.lastCompleted < id) {
        if (attempt.lastDeclined >= id) {
          exec.failCheckpoint("the checkpoint of batch " + id + " failed; the job restarts and replays it");
          return;
        }
        LockSupport.parkNanos(5_000_000L); // unparked when the checkpoint completes or fails
      }
      if (stopped()) {
        return;
      }
      open = 0;
      id++;
      ranBatch = true;
    }
  }

  /**
   * Batch {@code batch} took longer than the trigger interval until its checkpoint completed, so the
   * next one starts at once instead of on its trigger (Spark logs the like as "falling behind"):
   * warned at the first time, then at most once a minute with the count since.
   */
  private void behind(long batch, long tookNanos, long intervalNanos) {
    overruns++;
    long now = System.nanoTime();
    if (lastBehindWarning != 0 && now - lastBehindWarning < BEHIND_WARNING_EVERY_NANOS) {
      return;
    }
    LOG.warn("job '{}' is falling behind: batch {} took {} ms until its checkpoint was complete, longer than the"
        + " trigger interval of {} ms, so the next batch starts at once ({}; a longer trigger interval, or more"
        + " parallelism, lets batches keep up; logged at most once a minute)", job, batch, tookNanos / 1_000_000,
        intervalNanos / 1_000_000, lastBehindWarning == 0 ? "the first time"
            : overruns + " batches over the interval since the last such warning");
    lastBehindWarning = now;
    overruns = 0;
  }

  /** Asks every live split for its position; false if stopped or no split is live. */
  private boolean ask() {
    boolean any = false;
    long[] questions = new long[splits.size()];
    for (int i = 0; i < splits.size(); i++) {
      questions[i] = splits.get(i).ask();
    }
    for (int i = 0; i < splits.size(); i++) {
      MicroSplit m = splits.get(i);
      while (!m.answered(questions[i]) && !m.ended) {
        if (stopped()) {
          return false;
        }
        LockSupport.parkNanos(100_000L);
      }
      any |= !m.ended;
    }
    return any && !stopped();
  }

  private MicroSplit find(int stage, int task) {
    for (MicroSplit m : splits) {
      if (m.stage == stage && m.task == task) {
        return m;
      }
    }
    return null;
  }
}
