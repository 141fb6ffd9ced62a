package dev.sluice.rocksdb;

import static dev.sluice.core.testing.Records.assertSameRecords;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.checkpoint.CheckpointException;
import dev.sluice.core.checkpoint.CheckpointListing;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.testing.FailOnce;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streaming jobs with keyed state on RocksDB and checkpoints: the checkpoints are native and
 * incremental (SST files in the job's shared directory, each written once), recovery and rescaling
 * restore from them, retention deletes only unreferenced shared files, a damaged shared file makes
 * recovery fall back to the previous checkpoint, savepoints are self-contained. Results are
 * compared with the failure-free result; no timed assertions (waits have generous deadlines).
 */
class IncrementalCheckpointTest {
  private static final int PAYLOAD = 1024;
  static final Map<String, AtomicLong> LIMITS = new ConcurrentHashMap<>();
  /** Elements emitted per limit name: the test waits until a limit is reached. */
  static final Map<String, AtomicLong> EMITTED = new ConcurrentHashMap<>();

  @TempDir Path temp;

  // ---------------------------------------------------------------- the job

  /** {@code [from, to)} of the split that started at {@code origin}. */
  record Range(String id, long origin, long from, long to) implements SourceSplit {}

  /**
   * The longs {@code 0..n-1} in one range per task, {@code chunk} per read with a pause; a split
   * reads at most {@code LIMITS.get(limit)} elements from its origin until the limit is raised.
   */
  record Feed(long n, int chunk, long pauseNanos, String limit) implements Source<Long> {
    @Override
    public List<? extends SourceSplit> splits(int parallelism) {
      List<Range> l = new ArrayList<>();
      for (int i = 0; i < parallelism; i++) {
        l.add(new Range("feed-" + i, n * i / parallelism, n * i / parallelism, n * (i + 1) / parallelism));
      }
      return l;
    }

    @Override
    public SplitReader<Long> reader(SourceSplit split, SourceContext context) {
      Range r = (Range) split;
      return new SplitReader<>() {
        long next = r.from();

        @Override
        public boolean read(Collector<? super Long> out) {
          long cap = limit == null ? r.to() : Math.min(r.to(), r.origin() + LIMITS.get(limit).get());
          if (next >= cap) {
            if (next >= r.to()) {
              return false;
            }
            LockSupport.parkNanos(1_000_000);
            return true;
          }
          long end = Math.min(cap, next + chunk);
          long from = next;
          for (; next < end; next++) {
            out.collect(next);
          }
          if (limit != null) {
            EMITTED.computeIfAbsent(limit, k -> new AtomicLong()).addAndGet(next - from);
          }
          if (pauseNanos > 0) {
            LockSupport.parkNanos(pauseNanos);
          }
          return next < r.to();
        }

        @Override
        public SourceSplit remainingSplit() {
          return new Range(r.id(), r.origin(), next, r.to());
        }

        @Override
        public String position() {
          return "element " + next + " of " + r.id();
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public String name() {
      return "feed(" + n + ")";
    }
  }

  /**
   * Per key a count and a 1 KiB payload rewritten on every element (the state is large, and changes
   * where elements arrive); at the end of input (an event-time timer) the key's total and payload
   * checksum; optionally every element's sighting number too.
   */
  static final class Tally extends KeyedProcessFunction<Long, Long, String> {
    private final boolean perElement;
    private transient ValueState<Long> count;
    private transient ValueState<byte[]> payload;

    Tally(boolean perElement) {
      this.perElement = perElement;
    }

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(StateSpec.value("count"));
      payload = ctx.state(StateSpec.value("payload"));
    }

    @Override
    public void processElement(Long x, Context<Long> ctx, Collector<String> out) throws Exception {
      Long c = count.value();
      long n = c == null ? 1 : c + 1;
      count.update(n);
      payload.update(payload(ctx.currentKey(), n));
      if (c == null) {
        ctx.timers().registerEventTimeTimer(Long.MAX_VALUE);
      }
      if (perElement) {
        out.collect(x + "#" + n);
      }
    }

    @Override
    public void onTimer(long time, TimerContext<Long> ctx, Collector<String> out) throws Exception {
      out.collect("total " + ctx.currentKey() + "=" + count.value() + " " + Arrays.hashCode(payload.value()));
    }
  }

  static byte[] payload(long key, long n) {
    byte[] b = new byte[PAYLOAD];
    new Random(key * 1_000_003L + n).nextBytes(b);
    return b;
  }

  static List<String> expected(long n, long keys, boolean perElement) {
    List<String> l = new ArrayList<>();
    long[] counts = new long[(int) keys * 2];
    for (long x = 0; x < n; x++) {
      long c = ++counts[(int) (perElement ? keyOf(x, keys, n / 2) : x % keys)];
      if (perElement) {
        l.add(x + "#" + c);
      }
    }
    for (int k = 0; k < counts.length; k++) {
      if (counts[k] > 0) {
        l.add("total " + k + "=" + counts[k] + " " + Arrays.hashCode(payload(k, counts[k])));
      }
    }
    l.sort(null);
    return l;
  }

  private static Pipeline pipeline(String name, Feed feed, long keys, boolean perElement, FailOnce fail,
                                   dev.sluice.api.sink.Sink<String> sink) {
    Pipeline p = Pipeline.create(name);
    var in = p.read(feed);
    if (fail != null) {
      in = in.map(fail);
    }
    long half = feed.n() / 2;
    if (perElement) {
      // each key's elements from one of two splits, so their order (the sighting numbers) is fixed
      in.keyBy(x -> keyOf(x, keys, half)).process(new Tally(true)).write(sink);
    } else {
      in.keyBy(x -> x % keys).process(new Tally(false)).write(sink);
    }
    return p;
  }

  static long keyOf(long x, long keys, long half) {
    return x % keys + (x < half ? 0 : keys);
  }

  private RunOptions options(int parallelism, Path ck, long intervalMs, int retained) {
    RunOptions o = RunOptions.streaming().withParallelism(parallelism).withStateBackend("rocksdb")
        .withTempDir(temp.resolve("tmp")).withMaxAttempts(3).withRetryBackoff(Duration.ZERO)
        .withCheckpointing(ck, Duration.ofMillis(intervalMs));
    return o.withCheckpointing(o.checkpointing().withRetained(retained));
  }

  private static List<String> sorted(List<String> l) {
    List<String> s = new ArrayList<>(l);
    s.sort(null);
    return s;
  }

  // ---------------------------------------------------------------- helpers

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Complete checkpoints of {@code job} with native files, ascending by id. */
  static List<CheckpointMetadata> completeNative(CheckpointStorage storage) {
    List<CheckpointMetadata> l = new ArrayList<>();
    try {
      for (long id : storage.ids()) {
        if (storage.hasMetadata(id)) {
          try {
            CheckpointMetadata m = storage.readMetadata(id);
            if (!m.nativeFiles().isEmpty()) {
              l.add(m);
            }
          } catch (CheckpointException e) {
            // being replaced or deleted right now
          }
        }
      }
    } catch (IOException e) {
      // a directory deleted by retention while listing
    }
    return l;
  }

  static Set<String> sharedNames(CheckpointMetadata m) {
    Set<String> s = new TreeSet<>();
    for (CheckpointMetadata.NativeFile f : m.nativeFiles()) {
      if (f.shared()) {
        s.add(f.name());
      }
    }
    return s;
  }

  static Set<String> list(Path dir) throws IOException {
    Set<String> s = new TreeSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> l = Files.list(dir)) {
        l.forEach(p -> s.add(p.getFileName().toString()));
      }
    }
    return s;
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> w = Files.walk(dir)) {
      for (Path f : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void laterCheckpointsWriteOnlyNewFiles() throws Exception {
    long keys = 10_000;
    long n = keys + 2 * (keys / 100); // every key once, then 1% of the keys again, then another 1%
    String job = "incremental";
    LIMITS.put(job, new AtomicLong(keys));
    EMITTED.put(job, new AtomicLong());
    Path ck = temp.resolve("ck");
    CollectSink<String> sink = new CollectSink<>();
    JobHandle h = pipeline(job, new Feed(n, 500, 2_000_000, job), keys, false, null, sink)
        .start(options(1, ck, 50, 1000));
    try {
      laterCheckpointsWriteOnlyNewFiles(job, keys, n, ck);
    } catch (Throwable e) {
      h.cancel();
      h.await();
      throw e;
    }
    assertThat(h.await().status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sorted(sink.result())).isEqualTo(expected(n, keys, false));
  }

  private void laterCheckpointsWriteOnlyNewFiles(String job, long keys, long n, Path ck) throws Exception {
    CheckpointStorage storage = new CheckpointStorage(ck, job);
    long stateBytes = keys * PAYLOAD;
    await("every key read", () -> EMITTED.get(job).get() == keys);
    long reached = System.currentTimeMillis();
    CheckpointMetadata[] full = new CheckpointMetadata[1];
    await("a checkpoint of the whole state", () -> {
      for (CheckpointMetadata m : completeNative(storage)) {
        if (m.timestampMillis() > reached) { // its barrier came after the last element
          full[0] = m;
          return true;
        }
      }
      return false;
    });
    assertThat(full[0].sizeBytes()).isGreaterThan(stateBytes);
    CheckpointMetadata[] next = new CheckpointMetadata[1];
    await("the checkpoint after it", () -> {
      for (CheckpointMetadata m : completeNative(storage)) {
        if (m.id() > full[0].id()) {
          next[0] = m;
          return true;
        }
      }
      return false;
    });
    // Unchanged state: only the small private files (MANIFEST, CURRENT, OPTIONS) are written.
    assertThat(next[0].writtenBytes()).as("bytes written by checkpoint %d of %d", next[0].id(), next[0].sizeBytes())
        .isLessThan(next[0].sizeBytes() / 10);
    assertThat(next[0].reusedFiles()).isPositive();
    assertThat(next[0].reusedBytes()).isGreaterThan(stateBytes * 9 / 10);

    long before = next[0].id();
    long changes = keys + keys / 100;
    LIMITS.get(job).set(changes); // 1% of the keys change
    await("the changes read", () -> EMITTED.get(job).get() == changes);
    long reached2 = System.currentTimeMillis();
    await("a checkpoint after the changes", () -> completeNative(storage).stream()
        .anyMatch(m -> m.timestampMillis() > reached2));
    CheckpointMetadata c = null;
    for (CheckpointMetadata m : completeNative(storage)) {
      if (c == null && m.id() > before && m.nativeFiles().stream().anyMatch(f -> f.shared() && !f.reused())) {
        c = m; // the first with a new SST file: the flushed changes
      }
    }
    assertThat(c).as("a checkpoint with new files after the changes").isNotNull();
    assertThat(c.writtenBytes()).as("bytes written by checkpoint %d (state %d)", c.id(), c.sizeBytes())
        .isLessThan(c.sizeBytes() / 10);
    assertThat(c.reusedFiles()).isPositive();
    assertThat(CheckpointListing.format(ck)).contains("incremental:").contains(job);
    LIMITS.get(job).set(n);
  }

  @Test
  void injectedFailureRecoversExactlyOnceFromIncrementalCheckpoints() {
    long keys = 4_000;
    long n = 3 * keys;
    long seed = new Random().nextLong();
    long failAt = n / 3 + new Random(seed).nextLong(n / 2);
    String key = "fail-" + seed;
    CollectSink<String> sink = new CollectSink<>();
    Path ck = temp.resolve("ck");
    JobResult r = pipeline("recover", new Feed(n, 200, 1_000_000, null), keys, true, new FailOnce(key, failAt), sink)
        .run(options(2, ck, 30, 3));
    assertThat(FailOnce.injected(key)).as("the failure was injected (seed %d)", seed).isTrue();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(sorted(sink.result()), expected(n, keys, true), "seed " + seed);
  }

  @Test
  void retentionDeletesOnlyUnreferencedSharedFiles() throws Exception {
    long keys = 3_000;
    long n = 8 * keys;
    String job = "retention";
    LIMITS.put(job, new AtomicLong(n / 4)); // half of each of the two splits
    EMITTED.put(job, new AtomicLong());
    Path ck = temp.resolve("ck");
    Path shared = ck.resolve(job).resolve(CheckpointStorage.SHARED);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      while (running.get()) {
        try {
          seen.addAll(list(shared));
        } catch (IOException | RuntimeException e) {
          // listing while files are renamed
        }
        LockSupport.parkNanos(2_000_000);
      }
    });
    watcher.start();
    CollectSink<String> sink = new CollectSink<>();
    JobHandle h = pipeline(job, new Feed(n, 50, 5_000_000, job), keys, false, null, sink)
        .start(options(2, ck, 25, 2));
    CheckpointStorage storage = new CheckpointStorage(ck, job);
    try {
      await("the first half read", () -> EMITTED.get(job).get() == n / 2);
      long reached = System.currentTimeMillis();
      // Settled: three checkpoints after the last element that wrote no shared file.
      await("three checkpoints reusing every shared file", () -> completeNative(storage).stream()
          .filter(m -> m.timestampMillis() > reached)
          .filter(m -> m.nativeFiles().stream().noneMatch(f -> f.shared() && !f.reused())).count() >= 3);
      List<CheckpointMetadata> retained = completeNative(storage);
      assertThat(retained).as("retained checkpoints (a third one between its metadata and retention)").hasSizeBetween(2, 3);
      Set<String> referenced = new TreeSet<>();
      for (CheckpointMetadata m : retained) {
        referenced.addAll(sharedNames(m));
      }
      assertThat(referenced).isNotEmpty();
      assertThat(list(shared)).as("shared files = those the retained checkpoints reference").isEqualTo(referenced);
      Set<String> deleted = new TreeSet<>(seen);
      deleted.removeAll(referenced);
      deleted.removeIf(s -> s.endsWith(".inprogress"));
      assertThat(deleted).as("shared files no retained checkpoint references any more were deleted").isNotEmpty();
    } finally {
      LIMITS.get(job).set(n);
      running.set(false);
      watcher.join();
    }
    JobResult r = h.await();
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sorted(sink.result())).isEqualTo(expected(n, keys, false));
    // The job ended: the job-ended checkpoint references no files; what is left is what the one
    // retained with it references (none if that one was taken after the tasks finished).
    Set<String> referenced = new TreeSet<>();
    for (CheckpointMetadata m : completeNative(storage)) {
      referenced.addAll(sharedNames(m));
    }
    assertThat(list(shared)).isEqualTo(referenced);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"corrupt", "delete"})
  void damagedSharedFileFallsBackToThePreviousCheckpoint(String damage) throws Exception {
    long keys = 3_000;
    long n = 6 * keys;
    String job = "damage-" + damage;
    LIMITS.put(job, new AtomicLong(n / 4)); // per split of 2: the first half of each
    Path ck = temp.resolve("ck");
    JobHandle h = pipeline(job, new Feed(n, 100, 2_000_000, job), keys, false, null, new CollectSink<>())
        .start(options(2, ck, 30, 1000));
    CheckpointStorage storage = new CheckpointStorage(ck, job);
    // A checkpoint with a shared file its predecessor does not have.
    CheckpointMetadata[] pair = new CheckpointMetadata[2];
    await("two checkpoints, the later with a new shared file", () -> {
      List<CheckpointMetadata> l = completeNative(storage);
      for (int i = l.size() - 1; i > 0; i--) {
        Set<String> newer = sharedNames(l.get(i));
        newer.removeAll(sharedNames(l.get(i - 1)));
        if (!newer.isEmpty()) {
          pair[0] = l.get(i - 1);
          pair[1] = l.get(i);
          return true;
        }
      }
      return false;
    });
    h.cancel(); // a crash
    h.await();
    CheckpointMetadata previous = pair[0];
    CheckpointMetadata latest = pair[1];
    for (long id : storage.ids()) {
      if (id > latest.id()) {
        deleteTree(storage.dirOf(id)); // the crash came right after the latest
      }
    }
    Set<String> only = sharedNames(latest);
    only.removeAll(sharedNames(previous));
    String victim = only.iterator().next();
    Path file = storage.sharedDir().resolve(victim);
    if (damage.equals("delete")) {
      Files.delete(file);
    } else {
      byte[] b = Files.readAllBytes(file);
      b[b.length / 2] ^= 0x5A;
      Files.write(file, b);
    }

    LIMITS.get(job).set(n);
    CollectSink<String> sink = new CollectSink<>();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    JobResult r;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      r = pipeline(job, new Feed(n, 100, 0, job), keys, false, null, sink).run(options(2, ck, 30, 1000));
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    err.print(log);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(log).contains("skipping checkpoint " + storage.dirOf(latest.id())).contains(victim)
        .contains(damage.equals("delete") ? "is missing" : "corrupt");
    assertThat(log).doesNotContain("skipping checkpoint " + storage.dirOf(previous.id()) + ":");
    assertThat(sorted(sink.result())).isEqualTo(expected(n, keys, false));
  }

  /**
   * Starts the job at parallelism 2 with its feed held at the first quarter of the input, and waits
   * for a complete checkpoint holding (nearly) every key's payload.
   */
  private JobHandle startToACheckpointOfTheFirstQuarter(String job, long n, long keys, Path ck) throws Exception {
    LIMITS.put(job, new AtomicLong(n / 4));
    JobHandle h = pipeline(job, new Feed(n, 200, 1_000_000, job), keys, false, null, new CollectSink<>())
        .start(options(2, ck, 30, 3));
    CheckpointStorage storage = new CheckpointStorage(ck, job);
    await("a checkpoint of the first half", () -> completeNative(storage).stream()
        .anyMatch(m -> m.sizeBytes() >= keys * PAYLOAD * 9 / 10));
    return h;
  }

  @ParameterizedTest(name = "parallelism 2 then {0}")
  @CsvSource({"1", "4"})
  void restoreAtAnotherParallelismEqualsUnscaledRun(int after) throws Exception {
    long keys = 3_000;
    long n = 4 * keys;
    String job = "rescale" + after;
    Path ck = temp.resolve("ck");
    JobHandle h = startToACheckpointOfTheFirstQuarter(job, n, keys, ck);
    h.cancel();
    h.await();
    LIMITS.get(job).set(n);
    CollectSink<String> sink = new CollectSink<>();
    JobResult r = pipeline(job, new Feed(n, 200, 0, job), keys, false, null, sink).run(options(after, ck, 30, 3));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sorted(sink.result())).isEqualTo(expected(n, keys, false));
  }

  @Test
  void savepointRestoresAfterTheJobDirectoryIsDeleted() throws Exception {
    long keys = 3_000;
    long n = 4 * keys;
    String job = "savepoint";
    Path ck = temp.resolve("ck");
    JobHandle h = startToACheckpointOfTheFirstQuarter(job, n, keys, ck);
    Path sp = temp.resolve("sp");
    assertThat(h.stopWithSavepoint(sp).get(60, TimeUnit.SECONDS)).isEqualTo(sp);
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);

    CheckpointMetadata m = CheckpointStorage.single(sp).readMetadata(0);
    assertThat(m.version()).isEqualTo(CheckpointStorage.METADATA_VERSION_NATIVE);
    assertThat(list(sp.resolve(CheckpointStorage.SHARED))).isEqualTo(sharedNames(m)).isNotEmpty();
    deleteTree(ck);

    LIMITS.get(job).set(n);
    CollectSink<String> sink = new CollectSink<>();
    JobResult r = pipeline(job, new Feed(n, 200, 0, job), keys, false, null, sink)
        .run(options(3, temp.resolve("ck2"), 30, 3).restoreFrom(sp));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sorted(sink.result())).isEqualTo(expected(n, keys, false));
  }
}
