package dev.sluice.core.runtime;

import dev.sluice.api.Aggregation;
import dev.sluice.api.KV;
import dev.sluice.api.function.KeySelector;
import dev.sluice.core.codec.SpillInput;
import dev.sluice.core.codec.SpillOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Keyed aggregation: the map-side {@link Combine} and the final {@link Final}, both on a hash table
 * charged to the memory budget.
 *
 * <p>When the budget is exhausted, Combine simply emits its partial results early (the final side
 * merges them anyway). Final writes its table as a run sorted by key hash to a spill file; at the end
 * the runs are merged by hash and accumulators with equal keys combined, so memory holds only one
 * hash value's keys at a time. An aggregation without combine cannot merge partial results, so its
 * input is sorted by key hash with the {@link ExternalSorter} and aggregated group by group.
 *
 * <p>Checkpoints (streaming and micro-batch). Final keeps its state in the table (no sorter, also
 * without combine) and snapshots it by key group, with copies of the accumulators; a restored task
 * keeps the groups it owns at the new parallelism. A table that has spilled declines checkpoints
 * (spilled runs are not checkpointed); an aggregation without combine cannot spill and fails when
 * the budget is exhausted. Combine flushes its partial results before a barrier goes out.
 */
final class AggregateNodes {
  private AggregateNodes() {}

  /**
   * Bytes per table entry beyond key and accumulator: a hash and a key-value pair of array slots at
   * a load factor of at most one half, and the doubling when the table grows (small tables are
   * sparser, see {@link KeyedTable}, but they are small).
   */
  private static final int TABLE_OVERHEAD = 48;

  /** A map-side combine flushes at this share of the budget: it is an optimization, not a store. */
  private static final int COMBINE_SHARE = 8;

  static int hash(Object key) {
    int h = key == null ? 0 : key.hashCode();
    return h ^ (h >>> 16);
  }

  @SuppressWarnings("unchecked")
  static Aggregation<Object, Object, Object> cast(Aggregation<?, ?, ?> a) {
    return (Aggregation<Object, Object, Object>) a;
  }

  /** Map-side combine in front of a hash exchange: emits {@code KV(key, partialAccumulator)}. */
  static final class Combine extends Node {
    private final KeySelector<Object, Object> key;
    private final Aggregation<Object, Object, Object> agg;
    private final Reservation reservation;
    private final KeyedTable table = new KeyedTable();
    private final long cap;

    @SuppressWarnings("unchecked")
    Combine(int id, String name, KeySelector<?, ?> key, Aggregation<?, ?, ?> agg, JobResources job) {
      super(id, "combine(" + name + ")");
      this.key = (KeySelector<Object, Object>) key;
      this.agg = cast(agg);
      this.reservation = new Reservation(job.budget, TABLE_OVERHEAD);
      this.cap = Math.max(1 << 20, job.budget.limit() / COMBINE_SHARE);
    }

    @Override
    public void collect(Object record) {
      in++;
      try {
        Object k = key.key(record);
        int h = hash(k);
        int slot = table.find(k, h);
        if (slot < 0) {
          Object acc = agg.accumulate(agg.create(), record);
          table.insert(slot, k, h, acc);
          if (!reservation.add(k, acc) || reservation.reserved() > cap) {
            flush();
          }
        } else {
          Object acc = table.valueAt(slot);
          Object next = agg.accumulate(acc, record);
          if (next != acc) {
            table.setValueAt(slot, next);
          }
        }
      } catch (Exception e) {
        throw userError(e);
      }
    }

    private void flush() throws Exception {
      table.forEach(false, (k, acc) -> emit(new KV<>(k, acc)));
      table.clear();
      reservation.releaseAll();
    }

    /** Emits the partial results now (before a checkpoint barrier; the final side merges them anyway). */
    void flushForCheckpoint() {
      try {
        flush();
      } catch (Exception e) {
        throw userError(e);
      }
    }

    @Override
    void finish() throws Exception {
      flush();
    }

    @Override
    void abort() {
      table.clear();
      reservation.releaseAll();
    }
  }

  /**
   * The final aggregation after a hash exchange. Input is {@code KV(key, partialAccumulator)} when the
   * aggregation combines, else {@code KV(key, record)}. Emits {@code KV(key, result)}.
   */
  static final class Final extends Node {
    private final Aggregation<Object, Object, Object> agg;
    private final boolean combined;
    private final JobResources job;
    private final Reservation reservation;
    private final KeyedTable table = new KeyedTable();
    private final List<Path> runs = new ArrayList<>();
    private ExternalSorter sorter;
    /** Streaming with checkpoints: the state lives in the table, which {@link #snapshot} can copy. */
    private final boolean checkpointed;

    Final(int id, String name, Aggregation<?, ?, ?> agg, boolean combined, JobResources job) {
      this(id, name, agg, combined, job, false);
    }

    Final(int id, String name, Aggregation<?, ?, ?> agg, boolean combined, JobResources job, boolean checkpointed) {
      super(id, name);
      this.agg = cast(agg);
      this.combined = combined;
      this.job = job;
      this.checkpointed = checkpointed;
      this.reservation = new Reservation(job.budget, TABLE_OVERHEAD);
      if (!combined && !agg.canCombine() && !checkpointed) {
        sorter = new ExternalSorter(job, (a, b) -> Integer.compare(hash(((KV<?, ?>) a).key()), hash(((KV<?, ?>) b).key())));
      }
    }

    @Override
    public void collect(Object record) {
      in++;
      KV<?, ?> kv = (KV<?, ?>) record;
      if (sorter != null) {
        sorter.add(kv);
        return;
      }
      try {
        Object k = kv.key();
        int h = hash(k);
        int slot = table.find(k, h);
        if (slot < 0) {
          // Never adopt the partial accumulator itself: it belongs to the exchange and is read again
          // if this task is retried.
          Object acc = combined ? agg.combine(agg.create(), kv.value()) : agg.accumulate(agg.create(), kv.value());
          table.insert(slot, k, h, acc);
          if (!reservation.add(kv)) {
            if (!agg.canCombine()) {
              // Only with checkpoints (else the sorter takes the input): runs could not be merged.
              throw new IllegalStateException(name + " (#" + transformId + ") ran out of memory ("
                  + table.size() + " keys) and cannot spill: its aggregation does not combine accumulators,"
                  + " which checkpointed streaming needs to spill; raise the memory budget or run without"
                  + " checkpoints");
            }
            spill();
          }
        } else {
          Object acc = table.valueAt(slot);
          Object next = combined ? agg.combine(acc, kv.value()) : agg.accumulate(acc, kv.value());
          if (next != acc) {
            table.setValueAt(slot, next);
          }
        }
      } catch (Exception e) {
        throw userError(e);
      }
    }

    /**
     * Checkpoints: the table as {@code keyGroup -> [KV(key, accumulator)]} (key groups as the
     * streaming hash exchange routes them), holding copies of the accumulators, so the snapshot does
     * not change when the table does. Null when it cannot be taken: see {@link #unsnapshottable}.
     */
    java.util.HashMap<Integer, ArrayList<KV<Object, Object>>> snapshot() throws Exception {
      if (unsnapshottable() != null) {
        return null;
      }
      java.util.HashMap<Integer, ArrayList<KV<Object, Object>>> groups = new java.util.HashMap<>();
      table.forEach(false, (k, acc) -> groups.computeIfAbsent(
          dev.sluice.core.stream.KeyGroups.of(k, dev.sluice.core.stream.KeyGroups.DEFAULT_MAX),
          g -> new ArrayList<>()).add(new KV<>(k, copy(acc))));
      return groups;
    }

    /** Why {@link #snapshot} cannot be taken now (spilled runs are not checkpointed), or null. */
    String unsnapshottable() {
      if (runs.isEmpty()) {
        return null;
      }
      return name + " (#" + transformId + ") has spilled " + runs.size() + " run(s) of its table to disk (the"
          + " memory budget is exhausted) and spilled runs are not checkpointed; raise the memory budget or run"
          + " without checkpoints";
    }

    /**
     * A fresh accumulator equal to {@code acc}: combined into a new one, or, for an aggregation
     * without combine, a serialized round trip (the snapshot is serialized later, off this thread,
     * so it must not share an accumulator the table goes on mutating).
     */
    private Object copy(Object acc) throws Exception {
      return agg.canCombine() ? agg.combine(agg.create(), acc) : job.serde.fromBytes(job.serde.toBytes(acc));
    }

    /**
     * Restores the key groups this task owns ({@code partition} of {@code parallelism}) from the
     * snapshots of the old tasks, whatever their number.
     */
    @SuppressWarnings("unchecked")
    void restore(List<Object> snapshots, int partition, int parallelism) throws Exception {
      int max = dev.sluice.core.stream.KeyGroups.DEFAULT_MAX;
      for (Object o : snapshots) {
        if (o == null) {
          continue;
        }
        for (Map.Entry<Integer, ArrayList<KV<Object, Object>>> e
            : ((Map<Integer, ArrayList<KV<Object, Object>>>) o).entrySet()) {
          if (dev.sluice.core.stream.KeyGroups.partitionOf(e.getKey(), max, parallelism) != partition) {
            continue;
          }
          for (KV<Object, Object> kv : e.getValue()) {
            Object k = kv.key();
            int h = hash(k);
            int slot = table.find(k, h);
            if (slot < 0) {
              table.insert(slot, k, h, kv.value());
              reservation.add(k, kv.value());
            } else {
              table.setValueAt(slot, agg.combine(table.valueAt(slot), kv.value()));
            }
          }
        }
      }
    }

    private void spill() {
      Path file = job.newSpillFile("agg-run");
      try (SpillOutput out = job.serde.openWrite(file)) {
        table.forEach(true, (k, acc) -> out.write(new KV<>(k, acc)));
        job.spilledBytes.addAndGet(out.bytesWritten());
      } catch (Exception e) {
        throw new UserFunctionException(name + " (#" + transformId + ")",
            new IOException(JobResources.cannotWrite(file, e instanceof IOException io ? io : new IOException(e)), e));
      }
      runs.add(file);
      table.clear();
      reservation.releaseAll();
    }

    @Override
    void finish() throws Exception {
      try {
        if (sorter != null) {
          finishSorted();
        } else if (runs.isEmpty()) {
          table.forEach(false, (k, acc) -> emit(new KV<>(k, agg.export(acc))));
        } else {
          spill();
          mergeRuns();
        }
      } catch (UncheckedIOException e) {
        throw new UserFunctionException(name + " (#" + transformId + ")", e.getCause());
      } finally {
        close();
      }
    }

    /** Merges the hash-sorted runs; only the keys of one hash value are in memory at a time. */
    private void mergeRuns() throws Exception {
      PriorityQueue<RunCursor> heap = new PriorityQueue<>((a, b) -> Integer.compare(a.hash, b.hash));
      List<SpillInput> inputs = new ArrayList<>();
      try {
        for (Path run : runs) {
          SpillInput in = job.serde.openRead(run);
          inputs.add(in);
          RunCursor c = new RunCursor(ExternalSorter.iterate(in, run));
          if (c.advance()) {
            heap.add(c);
          }
        }
        Map<Object, Object> group = new LinkedHashMap<>();
        while (!heap.isEmpty()) {
          int h = heap.peek().hash;
          group.clear();
          while (!heap.isEmpty() && heap.peek().hash == h) {
            RunCursor c = heap.poll();
            KV<?, ?> kv = c.head;
            Object acc = group.get(kv.key());
            group.put(kv.key(), acc == null ? kv.value() : agg.combine(acc, kv.value()));
            if (c.advance()) {
              heap.add(c);
            }
          }
          for (Map.Entry<Object, Object> e : group.entrySet()) {
            emit(new KV<>(e.getKey(), agg.export(e.getValue())));
          }
        }
      } finally {
        for (SpillInput in : inputs) {
          in.close();
        }
      }
    }

    private void finishSorted() throws Exception {
      Iterator<Object> it = sorter.sorted();
      Map<Object, Object> group = new LinkedHashMap<>();
      int current = 0;
      while (it.hasNext()) {
        KV<?, ?> kv = (KV<?, ?>) it.next();
        int h = hash(kv.key());
        if (h != current && !group.isEmpty()) {
          emitGroup(group);
        }
        current = h;
        Object acc = group.get(kv.key());
        Object next = agg.accumulate(acc == null ? agg.create() : acc, kv.value());
        if (next != acc) {
          group.put(kv.key(), next);
        }
      }
      emitGroup(group);
    }

    private void emitGroup(Map<Object, Object> group) throws Exception {
      for (Map.Entry<Object, Object> e : group.entrySet()) {
        emit(new KV<>(e.getKey(), agg.export(e.getValue())));
      }
      group.clear();
    }

    @Override
    void abort() {
      close();
    }

    @Override
    void close() {
      table.clear();
      reservation.releaseAll();
      for (Path run : runs) {
        JobResources.deleteQuietly(run);
      }
      runs.clear();
      if (sorter != null) {
        sorter.close();
      }
    }

    private static final class RunCursor {
      final Iterator<Object> it;
      KV<?, ?> head;
      int hash;

      RunCursor(Iterator<Object> it) {
        this.it = it;
      }

      boolean advance() {
        if (!it.hasNext()) {
          return false;
        }
        head = (KV<?, ?>) it.next();
        hash = hash(head.key());
        return true;
      }
    }
  }
}
