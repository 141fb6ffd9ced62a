package dev.sluice.core.runtime;

import static dev.sluice.core.testing.Records.assertSameRecords;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.api.window.Windows;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.runtime.CheckpointRecoveryTest.FirstSeen;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import dev.sluice.io.Sinks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Savepoints: taken from a running job, self-contained, not subject to retention; stop with a
 * savepoint commits exactly the output up to it, and a job restored from it (at any parallelism)
 * continues so that the output equals an uninterrupted run. The first run's source stops at the
 * middle of its splits (a gate), so the savepoint always falls inside the input; no timing assertions.
 */
class SavepointTest {
  private static final long N = 20_000;
  private static final long KEYS = N / 2;
  private static final int WINDOW_KEYS = 7;
  private static final long WINDOW_MS = 1_000;

  @TempDir Path temp;

  private static SeqSource source(String gate) {
    SeqSource s = new SeqSource(N, 200, 100_000, false, true);
    if (gate != null) {
      SeqSource.GATES.putIfAbsent(gate, new AtomicBoolean(false));
      s.gate = gate;
    }
    return s;
  }

  /** Event time = the value; a KeyedProcessFunction (first/second sighting) and a keyed tumbling window count. */
  private static Pipeline pipeline(String name, SeqSource source, Path out) {
    Pipeline p = Pipeline.create(name);
    Dataset<Long> in = p.read(source).withTimestamps(x -> x, WatermarkStrategy.boundedOutOfOrderness(Duration.ZERO));
    in.map(x -> x % KEYS).keyBy(x -> x).process(new FirstSeen()).write(Sinks.textFiles(out.resolve("seen").toString()));
    in.keyBy(x -> x % WINDOW_KEYS).window(Windows.tumbling(Duration.ofMillis(WINDOW_MS))).count()
        .map(w -> "w" + w.key() + "@" + w.window().start() + "=" + w.value())
        .write(Sinks.textFiles(out.resolve("windows").toString()));
    return p;
  }

  private static List<String> expected() {
    List<String> l = new ArrayList<>();
    for (long x = 0; x < N; x++) {
      l.add((x % KEYS) + "#" + (x < KEYS ? 1 : 2));
    }
    long[][] counts = new long[WINDOW_KEYS][(int) (N / WINDOW_MS) + 1];
    for (long x = 0; x < N; x++) {
      counts[(int) (x % WINDOW_KEYS)][(int) (x / WINDOW_MS)]++;
    }
    for (int k = 0; k < WINDOW_KEYS; k++) {
      for (int w = 0; w < counts[k].length; w++) {
        if (counts[k][w] > 0) {
          l.add("w" + k + "@" + (w * WINDOW_MS) + "=" + counts[k][w]);
        }
      }
    }
    l.sort(null);
    return l;
  }

  private static List<String> output(Path out) {
    List<String> l = new ArrayList<>(readParts(out.resolve("seen")));
    l.addAll(readParts(out.resolve("windows")));
    l.sort(null);
    return l;
  }

  private static List<String> readParts(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<String> lines = new ArrayList<>();
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        lines.addAll(Files.readAllLines(f));
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static RunOptions options(int parallelism, Path ck) {
    return RunOptions.streaming().withParallelism(parallelism).withMaxAttempts(1)
        .withCheckpointing(ck, Duration.ofMillis(20));
  }

  private static void awaitCheckpoints(Path ck, String job, int n) throws InterruptedException {
    CheckpointStorage storage = new CheckpointStorage(ck, job);
    StreamingTestSupport.await(n + " complete checkpoints", () -> {
      try {
        return storage.ids().stream().filter(storage::hasMetadata).count() >= n;
      } catch (IOException e) {
        return false;
      }
    });
  }

  /** Starts a gated job, waits for a checkpoint, stops it with a savepoint; returns the savepoint. */
  private Path stopWithSavepoint(String job, int parallelism, Path out) throws Exception {
    Path ck = temp.resolve("ck-" + job);
    JobHandle h = pipeline(job, source(job), out).start(options(parallelism, ck));
    awaitCheckpoints(ck, job, 1);
    Path sp = temp.resolve("sp-" + job);
    assertThat(h.stopWithSavepoint(sp).get(60, TimeUnit.SECONDS)).isEqualTo(sp);
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    return sp;
  }

  @ParameterizedTest(name = "parallelism {0} then {1}")
  @CsvSource({"2,2", "2,1", "2,4"})
  void stopWithSavepointThenRestoreIsExactlyOnce(int before, int after) throws Exception {
    String job = "stop" + before + after;
    Path out = temp.resolve("out");
    Path sp = stopWithSavepoint(job, before, out);

    List<String> committed = output(out);
    List<String> expected = expected();
    assertThat(committed).as("output up to the savepoint only").isNotEmpty().hasSizeLessThan(expected.size());
    assertThat(expected).containsAll(committed);
    assertThat(committed).doesNotHaveDuplicates();
    assertThat(out.resolve("seen/_SUCCESS")).doesNotExist();

    // Self-contained: the job's checkpoint directory is gone; the restored job uses a new one.
    try (Stream<Path> w = Files.walk(temp.resolve("ck-" + job))) {
      for (Path f : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    SeqSource.GATES.get(job).set(true);
    JobResult r = pipeline(job, source(job), out).run(options(after, temp.resolve("ck2-" + job)).restoreFrom(sp));
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(output(out), expected, "restored from a savepoint at parallelism " + after);
    assertThat(out.resolve("seen/_SUCCESS")).exists();
    assertThat(out.resolve("windows/_SUCCESS")).exists();
  }

  @Test
  void savepointIsSelfContainedAndNotSubjectToRetention() throws Exception {
    String job = "roundtrip";
    Path out = temp.resolve("out");
    Path ck = temp.resolve("ck");
    RunOptions o = options(2, ck);
    JobHandle h = pipeline(job, source(job), out).start(o.withCheckpointing(o.checkpointing().withRetained(1)));
    awaitCheckpoints(ck, job, 1);
    Path sp = temp.resolve("sp");
    assertThat(h.savepoint(sp).get(60, TimeUnit.SECONDS)).isEqualTo(sp);

    CheckpointMetadata m = CheckpointStorage.single(sp).readMetadata(0);
    // The keyed process function's heap state is in parts of an incremental snapshot, which live
    // in the job's shared directory: the savepoint has its own copies (metadata with shared files).
    assertThat(m.version()).isEqualTo(CheckpointStorage.METADATA_VERSION_NATIVE);
    assertThat(m.job()).isEqualTo(job);
    assertThat(m.files()).isNotEmpty();
    for (CheckpointMetadata.StateFile f : m.files()) {
      assertThat(sp.resolve(f.name())).exists();
      CheckpointStorage.single(sp).readState(0, f);
    }
    assertThat(m.nativeFiles()).isNotEmpty().allSatisfy(f -> {
      assertThat(f.name()).startsWith("heap-");
      assertThat(sp.resolve("shared").resolve(f.name())).exists();
    });
    CheckpointStorage.single(sp).verifyNative(m);
    // A second savepoint into the same directory is refused; the job goes on.
    assertThatThrownBy(() -> h.savepoint(sp).get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasMessageContaining("already holds a savepoint");

    SeqSource.GATES.get(job).set(true);
    assertThat(h.await().status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertSameRecords(output(out), expected(), "savepoint taken while running");
    // Retention (1) removed the checkpoint the savepoint came from, not the savepoint.
    assertThat(new CheckpointStorage(ck, job).ids()).doesNotContain(m.id());
    assertThat(CheckpointStorage.single(sp).readMetadata(0).id()).isEqualTo(m.id());
  }

  @Test
  void savepointOfAnotherPipelineIsRefused() throws Exception {
    Path sp = stopWithSavepoint("other", 1, temp.resolve("out"));
    Pipeline different = Pipeline.create("other");
    different.read(source(null)).map(x -> "x" + x).write(Sinks.textFiles(temp.resolve("out2").toString()));
    assertThatThrownBy(() -> different.run(options(1, temp.resolve("ck2")).restoreFrom(sp)))
        .hasMessageContaining("cannot restore job 'other' from " + sp)
        .hasMessageContaining("different pipeline");
  }

  @Test
  void corruptSavepointIsRefusedNamingTheFile() throws Exception {
    Path out = temp.resolve("out");
    Path sp = stopWithSavepoint("corrupt", 2, out);
    CheckpointMetadata m = CheckpointStorage.single(sp).readMetadata(0);
    Path file = sp.resolve(m.files().get(0).name());
    byte[] b = Files.readAllBytes(file);
    b[b.length - 1] ^= 0x5a;
    Files.write(file, b);
    SeqSource.GATES.get("corrupt").set(true);
    assertThatThrownBy(() -> pipeline("corrupt", source("corrupt"), out)
        .run(options(2, temp.resolve("ck2")).restoreFrom(sp)))
        .hasMessageContaining(file.toString()).hasMessageContaining("corrupt");

    Path meta = sp.resolve(CheckpointStorage.METADATA);
    byte[] mb = Files.readAllBytes(meta);
    Files.write(meta, java.util.Arrays.copyOf(mb, mb.length / 2));
    assertThatThrownBy(() -> pipeline("corrupt", source("corrupt"), out)
        .run(options(2, temp.resolve("ck2")).restoreFrom(sp)))
        .hasMessageContaining(meta.toString()).hasMessageContaining("truncated");

    assertThatThrownBy(() -> pipeline("corrupt", source("corrupt"), out)
        .run(options(2, temp.resolve("ck2")).restoreFrom(temp.resolve("nowhere"))))
        .hasMessageContaining("no such directory");
  }

  @Test
  void savepointsNeedCheckpointing() {
    Pipeline p = Pipeline.create("plain");
    assertThatThrownBy(() -> RunOptions.streaming().restoreFrom(temp)).hasMessageContaining("needs checkpoints");
    SeqSource s = source("plain");
    p.read(s).map(x -> x + 1).write(new dev.sluice.api.internal.CollectSink<>());
    JobHandle h = p.start(RunOptions.streaming().withParallelism(1));
    try {
      assertThatThrownBy(() -> h.savepoint(temp.resolve("sp")).get()).hasCauseInstanceOf(
          UnsupportedOperationException.class);
    } finally {
      h.cancel();
      h.await();
    }
  }
}
