package dev.sluice.examples.clickstream;

import dev.sluice.api.CheckpointStats;
import dev.sluice.core.checkpoint.MicroBatchLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Prints one line per committed micro-batch of the demo job: its id, the events it read, the rows
 * it upserted, how long it took and where the time went. The engine hands it each batch's
 * {@link CheckpointStats} ({@link #listener}, on the checkpoint I/O thread, which only queues them),
 * with the source records the batch read; a batch committed but not reported (see {@link #stop}) is
 * counted from the source ranges of its offset-log entry. Prints on its own daemon thread; {@link
 * #stop} prints what is left.
 */
public final class BatchReporter implements AutoCloseable {
  private final MicroBatchLog log;
  private final int stride;
  private final BatchStats stats;
  private final PrintWriter out;
  private final Thread thread;
  private final LinkedBlockingQueue<CheckpointStats> committed = new LinkedBlockingQueue<>();
  private final List<Long> durationsMs = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean stopped;
  private long events;
  private long rows;
  /** The last batch reported. */
  private long last;

  /**
   * @param jobDir {@code <checkpoint dir>/<job>}
   * @param stride source offsets per event: the generator's number of splits (split {@code s} reads
   *     indices {@code s, s + n, ...}), 1 for Kafka offsets
   */
  public BatchReporter(Path jobDir, int stride, BatchStats stats, PrintWriter out) throws IOException {
    this.log = new MicroBatchLog(jobDir);
    this.stride = Math.max(1, stride);
    this.stats = stats;
    this.out = out;
    List<Long> done = Files.isDirectory(log.commitsDir()) ? log.committedIds() : List.of();
    this.last = done.isEmpty() ? 0 : done.get(done.size() - 1); // committed by earlier runs
    this.thread = new Thread(this::loop, "sluice-demo-batches");
    thread.setDaemon(true);
  }

  /** The checkpoint listener to run the job with ({@code RunOptions.Checkpointing#withListener}). */
  public Consumer<CheckpointStats> listener() {
    return committed::add;
  }

  public BatchReporter start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!stopped) {
      try {
        CheckpointStats s = committed.poll(100, TimeUnit.MILLISECONDS);
        if (s != null) {
          report(s);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void report(CheckpointStats s) {
    if (events(s.id()) < 0) {
      return; // not a batch: the last checkpoint at the end of the input (see stop)
    }
    long n = s.recordsRead();
    last = Math.max(last, s.id());
    long ms = s.committed().toMillis();
    durationsMs.add(ms);
    long r = stats.rows(s.id());
    long commitMs = stats.takeCommitMillis();
    events += n;
    rows += r;
    out.printf(Locale.ROOT, "batch %d: %,d events, %,d rows upserted, %d ms (processing %d, checkpoint %d, database"
        + " commit %d ms)%n", s.id(), n, r, ms, s.snapshotted().toMillis(),
        s.completed().minus(s.snapshotted()).toMillis(), commitMs);
    out.flush();
  }

  /** The events of batch {@code id} (the sizes of its logged source ranges), -1 if it has no offset-log entry. */
  private long events(long id) {
    try {
      MicroBatchLog.Plan plan = log.readOffsets(id);
      if (plan == null) {
        return -1;
      }
      long n = 0;
      for (MicroBatchLog.Range r : plan.ranges()) {
        n += (r.end() - r.start() + stride - 1) / stride;
      }
      return n;
    } catch (IOException | RuntimeException e) {
      out.println("demo: cannot read the offset log entry of batch " + id + ": " + e.getMessage());
      return 0;
    }
  }

  /**
   * Reports the batches committed so far and stops the thread; if the job reached the end of its
   * input, also the rows of the final commit (what the last watermark closed).
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    thread.interrupt();
    CheckpointStats s;
    while ((s = committed.poll()) != null) {
      report(s);
    }
    try {
      if (!Files.isDirectory(log.commitsDir())) {
        throw new IOException("no commit log in " + log.commitsDir());
      }
      // The batch the input ended in is committed with the job's last checkpoint (its commit-log entry
      // is written then); its rows are the end of input's.
      for (long id : log.committedIds()) {
        if (id > last) {
          long n = Math.max(0, events(id));
          long r = stats.rows(id);
          events += n;
          rows += r;
          last = id;
          out.printf(Locale.ROOT, "batch %d: %,d events, %,d rows upserted (the input ended in it: committed with the"
              + " last checkpoint)%n", id, n, r);
        }
      }
    } catch (IOException | RuntimeException e) {
      out.println("demo: cannot read the commit log: " + e.getMessage());
    }
    long r = stats.rows(BatchStats.END_OF_INPUT);
    if (r > 0) {
      rows += r;
      long commitMs = stats.takeCommitMillis();
      out.printf(Locale.ROOT, "end of input: %,d rows upserted (%s)%n", r,
          commitMs > 0 ? "database commit " + commitMs + " ms" : "committed with the last batch");
      out.flush();
    }
  }

  @Override
  public void close() {
    stop();
  }

  public synchronized long events() {
    return events;
  }

  public synchronized long rows() {
    return rows;
  }

  /** The durations of the batches reported (trigger to commit), in order. */
  public List<Long> durationsMs() {
    synchronized (durationsMs) {
      return List.copyOf(durationsMs);
    }
  }

  /** {@code batches: n, batch ms max/p99: a/b, all within <t> ms: yes|no} (or a note when none ran). */
  public String durationSummary(long triggerMs) {
    List<Long> d = new ArrayList<>(durationsMs());
    if (d.isEmpty()) {
      return "batches: 0";
    }
    Collections.sort(d);
    long max = d.get(d.size() - 1);
    long p99 = d.get((int) Math.min(d.size() - 1, Math.ceil(d.size() * 0.99) - 1));
    return String.format(Locale.ROOT, "batches: %d, batch ms max/p99: %d/%d, all within %d ms: %s", d.size(), max, p99,
        triggerMs, max < triggerMs ? "yes" : "no");
  }
}
