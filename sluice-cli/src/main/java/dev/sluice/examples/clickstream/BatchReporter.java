package dev.sluice.examples.clickstream;

import dev.sluice.core.checkpoint.MicroBatchLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Prints one line per committed micro-batch of the demo job: its id, the events it read, the rows
 * it upserted and how long it took. It watches the job's micro-batch logs: a batch starts when its
 * offset-log entry is written ({@code offsets/<n>}, before anything of it runs) and ends when its
 * commit-log entry is written ({@code commits/<n>}, after the sinks committed its rows), so the
 * duration is the difference of the two files' modification times, and the events are the sizes of
 * the logged source ranges. Runs on its own daemon thread; {@link #stop} prints what is left.
 */
public final class BatchReporter implements AutoCloseable {
  private final MicroBatchLog log;
  private final int stride;
  private final BatchStats stats;
  private final PrintWriter out;
  private final Thread thread;
  private final List<Long> durationsMs = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean stopped;
  private long last;
  private long events;
  private long rows;

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
    this.last = done.isEmpty() ? 0 : done.get(done.size() - 1);
    this.thread = new Thread(this::loop, "sluice-demo-batches");
    thread.setDaemon(true);
  }

  public BatchReporter start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!stopped) {
      poll();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void poll() {
    if (stopped && Thread.currentThread() == thread) {
      return;
    }
    try {
      if (!Files.isDirectory(log.commitsDir())) {
        return;
      }
      for (long id : log.committedIds()) {
        if (id > last) {
          report(id);
          last = id;
        }
      }
    } catch (IOException | RuntimeException e) {
      out.println("demo: cannot read the micro-batch logs: " + e.getMessage());
      out.flush();
    }
  }

  private void report(long id) throws IOException {
    MicroBatchLog.Plan plan = log.readOffsets(id);
    long n = 0;
    if (plan != null) {
      for (MicroBatchLog.Range r : plan.ranges()) {
        n += (r.end() - r.start() + stride - 1) / stride;
      }
    }
    long ms = -1;
    Path planned = log.offsetsDir().resolve(Long.toString(id));
    Path committed = log.commitsDir().resolve(Long.toString(id));
    if (Files.exists(planned)) {
      ms = Files.getLastModifiedTime(committed).toMillis() - Files.getLastModifiedTime(planned).toMillis();
      durationsMs.add(ms);
    }
    long r = stats.rows(id);
    long commitMs = stats.takeCommitMillis();
    events += n;
    rows += r;
    out.printf(Locale.ROOT, "batch %d: %,d events, %,d rows upserted, %s (database commit %d ms)%n", id, n, r,
        ms < 0 ? "duration n/a" : ms + " ms", commitMs);
    out.flush();
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
    poll();
    long r = stats.rows(BatchStats.END_OF_INPUT);
    if (r > 0) {
      rows += r;
      out.printf(Locale.ROOT, "end of input: %,d rows upserted (database commit %d ms)%n", r, stats.takeCommitMillis());
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

  /** The durations of the batches reported, in order. */
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
