package dev.sluice.core.runtime;

import dev.sluice.api.KV;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeySelector;
import dev.sluice.core.codec.SpillInput;
import dev.sluice.core.codec.SpillOutput;
import dev.sluice.core.plan.ExchangeKind;
import dev.sluice.core.plan.ExchangeSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * A blocking exchange between two stages, local mode: producers hand over object references, grouped
 * per consumer partition into segments; nothing is serialized unless memory runs out.
 *
 * <p>Each producer attempt writes through its own {@link Writer} and publishes its segments only
 * when the attempt succeeds, so a failed attempt leaves nothing behind. Published segments stay until
 * the consuming stage has finished, so a failed consumer task can read its partition again. Under
 * memory pressure published in-memory segments are written to spill files ({@link #reclaim}).
 *
 * <p>A range exchange keeps every record in one bucket plus a reservoir sample per writer; when the
 * producing stage is complete, {@link #seal} picks partition boundaries from the samples and each
 * consumer reads the bucket keeping only its own range.
 */
final class Exchange implements MemoryBudget.Reclaimable {
  private static final int SAMPLE_SIZE = 512;
  final ExchangeSpec spec;
  private final int partitions;
  private final JobResources job;
  private final List<Segment>[] published;
  private final List<Object> samples = new ArrayList<>();
  private Object[] boundaries;
  private final Comparator<Object> comparator;

  @SuppressWarnings("unchecked")
  Exchange(ExchangeSpec spec, int partitions, JobResources job) {
    this.spec = spec;
    this.partitions = partitions;
    this.job = job;
    int buckets = spec.kind() == ExchangeKind.RANGE ? 1 : partitions;
    this.published = new List[buckets];
    for (int i = 0; i < buckets; i++) {
      published[i] = new ArrayList<>();
    }
    this.comparator = (Comparator<Object>) spec.comparator();
    job.budget.register(this);
  }

  Writer writer(int taskIndex) {
    return new Writer(taskIndex);
  }

  /** Called once when the producing stage is complete. */
  synchronized void seal() {
    if (spec.kind() != ExchangeKind.RANGE) {
      return;
    }
    samples.sort(comparator);
    boundaries = new Object[partitions - 1];
    for (int i = 1; i < partitions; i++) {
      boundaries[i - 1] = samples.isEmpty() ? null : samples.get((int) ((long) samples.size() * i / partitions));
    }
    samples.clear();
  }

  /** Pushes every record of one consumer partition into {@code out}. Safe to call again on retry. */
  void read(int partition, Collector<Object> out, BooleanSupplier cancelled) {
    boolean range = spec.kind() == ExchangeKind.RANGE;
    List<Segment> segments;
    synchronized (this) {
      segments = new ArrayList<>(published[range ? 0 : partition]);
    }
    for (Segment s : segments) {
      if (cancelled.getAsBoolean()) {
        return;
      }
      List<Object> records = s.records;
      Path file = s.file;
      if (records != null) {
        for (int i = 0, n = records.size(); i < n; i++) {
          Object r = records.get(i);
          if (!range || rangePartition(r) == partition) {
            out.collect(r);
          }
        }
      } else {
        readFile(file, out, range, partition);
      }
    }
  }

  private void readFile(Path file, Collector<Object> out, boolean range, int partition) {
    try (SpillInput in = job.serde.openRead(file)) {
      while (in.hasNext()) {
        Object r = in.next();
        if (!range || rangePartition(r) == partition) {
          out.collect(r);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read exchange spill file " + file + ": " + e.getMessage(), e);
    }
  }

  private int rangePartition(Object r) {
    Object[] b = boundaries;
    int lo = 0;
    int hi = b.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (b[mid] == null || comparator.compare(r, b[mid]) <= 0) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private synchronized void publish(List<Segment>[] segments, List<Object> writerSamples) {
    for (int p = 0; p < segments.length; p++) {
      published[p].addAll(segments[p]);
    }
    if (writerSamples != null) {
      samples.addAll(writerSamples);
    }
  }

  @Override
  public long reclaim(long bytes) {
    long released = 0;
    synchronized (this) {
      for (List<Segment> bucket : published) {
        for (Segment s : bucket) {
          if (released >= bytes) {
            return released;
          }
          if (s.records != null) {
            released += s.spill(job);
          }
        }
      }
    }
    return released;
  }

  /** Frees memory and files once the consuming stage is done (or the job ended). */
  synchronized void dispose() {
    job.budget.unregister(this);
    for (List<Segment> bucket : published) {
      for (Segment s : bucket) {
        s.drop(job);
      }
      bucket.clear();
    }
  }

  /** Records of one partition from one producer attempt: in memory or in a spill file. */
  private static final class Segment {
    // Readers look at these without the exchange's lock while reclaim() may spill the segment:
    // spill() sets file before it clears records, so a reader that sees no records sees the file.
    volatile List<Object> records;
    long bytes;
    volatile Path file;

    Segment(List<Object> records, long bytes) {
      this.records = records;
      this.bytes = bytes;
    }

    Segment(Path file) {
      this.file = file;
    }

    long spill(JobResources job) {
      Path f;
      try {
        f = job.spill("exchange", records);
      } catch (UncheckedIOException e) {
        // Reclaiming is best effort: the data stays in memory and the caller spills its own.
        return 0;
      }
      long freed = bytes;
      job.budget.release(bytes);
      file = f;
      records = null;
      bytes = 0;
      return freed;
    }

    void drop(JobResources job) {
      if (records != null) {
        job.budget.release(bytes);
        records = null;
      }
      JobResources.deleteQuietly(file);
    }
  }

  /**
   * One producer attempt's side of the exchange: a node at the end of the producer's chain. Hash
   * exchanges route {@code KV(key, record)} (or the combiner's {@code KV(key, partial)}) by key hash.
   */
  final class Writer extends Node {
    private static final int CHUNK = 4096;
    private final KeySelector<Object, Object> key;
    private final List<Object>[] current;
    private final List<Segment>[] done;
    private final SpillOutput[] spill;
    private final Path[] spillFile;
    private final Reservation reservation;
    private final List<Object> writerSamples;
    private final SplittableRandom random;
    private long seen;
    private int next;

    @SuppressWarnings("unchecked")
    Writer(int taskIndex) {
      super(spec.from(), "exchange " + spec.id());
      this.key = spec.combined() ? null : (KeySelector<Object, Object>) spec.key();
      int buckets = published.length;
      current = new List[buckets];
      done = new List[buckets];
      spill = new SpillOutput[buckets];
      spillFile = new Path[buckets];
      for (int i = 0; i < buckets; i++) {
        current[i] = new ArrayList<>();
        done[i] = new ArrayList<>();
      }
      reservation = new Reservation(job.budget, 8);
      writerSamples = spec.kind() == ExchangeKind.RANGE ? new ArrayList<>() : null;
      random = new SplittableRandom(31L * spec.id() + taskIndex);
      next = taskIndex % buckets;
    }

    @Override
    public void collect(Object record) {
      int p;
      Object r = record;
      switch (spec.kind()) {
        case HASH -> {
          if (key != null) {
            Object k;
            try {
              k = key.key(record);
            } catch (Exception e) {
              throw new UserFunctionException("key selector of exchange " + spec.id(), e);
            }
            r = new KV<>(k, record);
            p = Math.floorMod(AggregateNodes.hash(k) * 0x9E3779B1, partitions);
          } else {
            p = Math.floorMod(AggregateNodes.hash(((KV<?, ?>) record).key()) * 0x9E3779B1, partitions);
          }
        }
        case RANGE -> {
          p = 0;
          sample(record);
        }
        default -> {
          p = next;
          next = next + 1 == partitions ? 0 : next + 1;
        }
      }
      List<Object> chunk = current[p];
      chunk.add(r);
      if (!reservation.add(r)) {
        spillAll();
      } else if (chunk.size() >= CHUNK) {
        done[p].add(new Segment(chunk, 0));
        current[p] = new ArrayList<>();
      }
    }

    private void sample(Object record) {
      seen++;
      if (writerSamples.size() < SAMPLE_SIZE) {
        writerSamples.add(record);
      } else {
        long j = random.nextLong(seen);
        if (j < SAMPLE_SIZE) {
          writerSamples.set((int) j, record);
        }
      }
    }

    /** Writes everything this attempt holds in memory to its per-partition spill files. */
    private void spillAll() {
      for (int p = 0; p < current.length; p++) {
        try {
          if (spill[p] == null) {
            spillFile[p] = job.newSpillFile("exchange");
            spill[p] = job.serde.openWrite(spillFile[p]);
          }
          for (Segment s : done[p]) {
            for (Object r : s.records) {
              spill[p].write(r);
            }
          }
          for (Object r : current[p]) {
            spill[p].write(r);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(JobResources.cannotWrite(spillFile[p], e), e);
        }
        done[p].clear();
        current[p] = new ArrayList<>();
      }
      reservation.releaseAll();
    }

    /** Hands this attempt's output to the exchange; called only when the attempt succeeded. */
    @SuppressWarnings("unchecked")
    void publish() {
      List<Segment>[] segments = new List[current.length];
      long records = 0;
      for (int p = 0; p < current.length; p++) {
        done[p].add(new Segment(current[p], 0));
        records += countRecords(done[p]);
      }
      long bytes = reservation.transfer();
      for (int p = 0; p < current.length; p++) {
        segments[p] = new ArrayList<>();
        for (Segment s : done[p]) {
          if (!s.records.isEmpty()) {
            s.bytes = records == 0 ? 0 : bytes * s.records.size() / records;
            segments[p].add(s);
          }
        }
        if (spill[p] != null) {
          try {
            spill[p].close();
            job.spilledBytes.addAndGet(spill[p].bytesWritten());
          } catch (IOException e) {
            throw new UncheckedIOException("cannot finish exchange spill file " + spillFile[p] + ": " + e.getMessage(), e);
          }
          spill[p] = null;
          segments[p].add(new Segment(spillFile[p]));
        }
      }
      // Rounding can leave a few bytes unassigned to segments; give them back.
      long assigned = 0;
      for (List<Segment> l : segments) {
        for (Segment s : l) {
          assigned += s.bytes;
        }
      }
      job.budget.release(Math.max(0, bytes - assigned));
      Exchange.this.publish(segments, writerSamples);
    }

    private long countRecords(List<Segment> segments) {
      long n = 0;
      for (Segment s : segments) {
        n += s.records.size();
      }
      return n;
    }

    @Override
    void abort() {
      for (int p = 0; p < current.length; p++) {
        if (spill[p] != null) {
          try {
            spill[p].close();
          } catch (IOException ignored) {
            // The file is deleted next.
          }
          spill[p] = null;
        }
        JobResources.deleteQuietly(spillFile[p]);
        current[p] = new ArrayList<>();
        done[p].clear();
      }
      reservation.releaseAll();
    }
  }

  @Override
  public String toString() {
    return "exchange " + spec.id() + " " + Arrays.toString(published);
  }
}
