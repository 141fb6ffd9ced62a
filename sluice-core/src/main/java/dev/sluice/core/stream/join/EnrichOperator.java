package dev.sluice.core.stream.join;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.function.KeySelector;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Enrichment of a stream with a bounded, broadcast table ({@link Op.Enrich}). Input 1 is the table
 * (every task receives all of it, keyed by {@code op.rightKey()}); input 0 is the stream (keyed by
 * {@code op.leftKey()}, not shuffled).
 *
 * <p>Neither input is shuffled, so the runtime hands elements over without a key ({@code null}); the
 * operator then applies {@code op.leftKey()} or {@code op.rightKey()} itself. A key passed in (tests
 * driving the operator directly) is used as given.
 *
 * <p>Until {@code endInput(1)} the table is loaded into a hash map and stream elements are buffered
 * in arrival order, and so is the stream's watermark (the latest one is held back). On
 * {@code endInput(1)} the buffer is flushed, then the held watermark is forwarded. From then on each
 * stream element is emitted at once, with its own timestamp, as {@code KV<key, Joined<element,
 * row>>} for every table row of its key (in table order), or {@code Joined<element, null>} when the
 * key has none; watermarks pass through.
 *
 * <p>Memory: the table and the stream buffer are held on the heap, unbounded (the table must fit;
 * the buffer grows with the stream while the table loads — sources are expected to read the bounded
 * table quickly). Records arriving on input 1 after its end are a runtime bug and are refused.
 *
 * <p>Checkpoints ({@link Snapshot}): the table (a copy of its rows per key) and whether it is
 * complete; the stream elements waiting for it and the held watermark. Restoring: the table is
 * broadcast, so every old task holds the same rows at an aligned checkpoint; each new task takes
 * the table of the first old snapshot whose table is complete, else of old snapshot 0 (the table
 * source resumes after the rows it holds). The waiting elements are not keyed (the stream side is
 * not shuffled), so any distribution is correct as long as each element is restored exactly once:
 * new task {@code i} takes those of the old tasks {@code j} with {@code j % parallelism == i}, with
 * the smallest of their held watermarks. A task that restores waiting elements treats the table as
 * incomplete until {@code endInput(1)} (which the restarted, finished table source sends again),
 * and flushes them then: an operator does not emit during a restore.
 */
public final class EnrichOperator implements StreamOperator {
  private final HashMap<Object, ArrayList<Object>> table = new HashMap<>();
  private ArrayList<Pending> pending = new ArrayList<>();
  private boolean tableComplete;
  private long heldWatermark = Long.MIN_VALUE;
  private boolean watermarkHeld;
  private OperatorContext ctx;
  private Output out;

  /** A stream element waiting for the table. */
  public record Pending(Object key, Object value, long timestamp) implements Serializable {}

  private final KeySelector<Object, Object> streamKey;
  private final KeySelector<Object, Object> tableKey;

  @SuppressWarnings("unchecked")
  public EnrichOperator(Op.Enrich op) {
    this.streamKey = (KeySelector<Object, Object>) op.leftKey();
    this.tableKey = (KeySelector<Object, Object>) op.rightKey();
  }

  @Override
  public void open(OperatorContext ctx) {
    this.ctx = ctx;
    this.out = ctx.output();
  }

  @Override
  public void processElement(int input, Object key, Object value, long timestamp) throws Exception {
    if (key == null) {
      // Neither input comes through a hash exchange, so the runtime passes no key: extract it here.
      key = (input == 1 ? tableKey : streamKey).key(value);
    }
    if (input == 1) {
      if (tableComplete) {
        throw new IllegalStateException(ctx.name() + ": a table record arrived after the end of the table input");
      }
      ArrayList<Object> rows = table.get(key);
      if (rows == null) {
        rows = new ArrayList<>(1);
        table.put(key, rows);
      }
      rows.add(value);
    } else if (tableComplete) {
      enrich(key, value, timestamp);
    } else {
      pending.add(new Pending(key, value, timestamp));
    }
  }

  @Override
  public void processWatermark(long watermark) {
    if (tableComplete) {
      out.emitWatermark(watermark);
    } else {
      heldWatermark = watermark;
      watermarkHeld = true;
    }
  }

  @Override
  public void endInput(int input) {
    if (input == 1 && !tableComplete) {
      completeTable();
    }
  }

  @Override
  public void finish() {
    if (!tableComplete) {
      completeTable();
    }
  }

  /**
   * What a checkpoint holds.
   *
   * @param table key to rows, in arrival order (copies of the lists)
   * @param pending stream elements waiting for the table (empty once it is complete)
   * @param heldWatermark the latest watermark held back while the table loads, if {@code watermarkHeld}
   */
  public record Snapshot(boolean tableComplete, HashMap<Object, ArrayList<Object>> table, ArrayList<Pending> pending,
      boolean watermarkHeld, long heldWatermark) implements Serializable {}

  @Override
  public Object snapshotState(long checkpointId) {
    HashMap<Object, ArrayList<Object>> t = new HashMap<>(Math.max(4, table.size() * 2));
    table.forEach((k, rows) -> t.put(k, new ArrayList<>(rows)));
    return new Snapshot(tableComplete, t, pending == null ? new ArrayList<>() : new ArrayList<>(pending),
        watermarkHeld, heldWatermark);
  }

  @Override
  public void restoreState(List<Object> snapshots) {
    Snapshot source = null;
    for (Object o : snapshots) {
      if (o instanceof Snapshot s && (source == null || (s.tableComplete() && !source.tableComplete()))) {
        source = s;
      }
    }
    if (source == null) {
      return;
    }
    table.clear();
    source.table().forEach((k, rows) -> table.put(k, new ArrayList<>(rows)));
    ArrayList<Pending> waiting = new ArrayList<>();
    boolean held = false;
    long wm = Long.MAX_VALUE;
    for (int j = ctx.partition(); j < snapshots.size(); j += ctx.parallelism()) {
      if (snapshots.get(j) instanceof Snapshot s) {
        waiting.addAll(s.pending());
        if (s.watermarkHeld()) {
          held = true;
          wm = Math.min(wm, s.heldWatermark());
        }
      }
    }
    tableComplete = source.tableComplete() && waiting.isEmpty() && !held;
    pending = tableComplete ? null : waiting;
    watermarkHeld = !tableComplete && held;
    heldWatermark = watermarkHeld ? wm : Long.MIN_VALUE;
  }

  /** Stream elements waiting for the table. */
  public int bufferedElements() {
    return pending == null ? 0 : pending.size();
  }

  private void completeTable() {
    tableComplete = true;
    ArrayList<Pending> waiting = pending;
    pending = null;
    for (int i = 0, n = waiting.size(); i < n; i++) {
      Pending p = waiting.get(i);
      enrich(p.key(), p.value(), p.timestamp());
    }
    if (watermarkHeld) {
      watermarkHeld = false;
      out.emitWatermark(heldWatermark);
    }
  }

  private void enrich(Object key, Object value, long timestamp) {
    ArrayList<Object> rows = table.get(key);
    if (rows == null) {
      out.emit(new KV<>(key, new Joined<>(value, null)), timestamp);
      return;
    }
    for (int i = 0, n = rows.size(); i < n; i++) {
      out.emit(new KV<>(key, new Joined<>(value, rows.get(i))), timestamp);
    }
  }
}
