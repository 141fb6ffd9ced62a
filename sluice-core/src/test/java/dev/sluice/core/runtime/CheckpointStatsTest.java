package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.CheckpointStats;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.checkpoint.MicroBatchLog;
import dev.sluice.core.runtime.CheckpointRecoveryTest.FirstSeen;
import dev.sluice.io.Sources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint listener ({@link RunOptions.Checkpointing#withListener}): every committed checkpoint
 * is reported once, in order, with phases that grow in order and sizes that match its metadata; in
 * micro-batch mode the ids are the batches of the logs; a listener that throws does not fail the job.
 */
class CheckpointStatsTest {
  @TempDir Path temp;

  private static Pipeline job(String name, long n, CollectSink<String> sink) {
    Pipeline p = Pipeline.create(name);
    p.read(Sources.generator(i -> i).count(n).ratePerSecond(200_000)).map(x -> x % 5_000).keyBy(x -> x)
        .process(new FirstSeen()).write(sink);
    return p;
  }

  private static void assertPhasesInOrder(CheckpointStats s) {
    assertThat(s.planned()).isGreaterThanOrEqualTo(Duration.ZERO);
    assertThat(s.snapshotted()).isGreaterThanOrEqualTo(s.planned());
    assertThat(s.written()).isGreaterThanOrEqualTo(s.snapshotted());
    assertThat(s.completed()).isGreaterThanOrEqualTo(s.written());
    assertThat(s.committed()).isGreaterThanOrEqualTo(s.completed());
    assertThat(s.sinkCommit()).isLessThanOrEqualTo(s.committed().minus(s.completed()));
    assertThat(s.processing()).isEqualTo(s.snapshotted().minus(s.planned()));
  }

  @Test
  void everyBatchIsReportedOnceInOrderWithItsPhasesAndSizes() throws Exception {
    Path ck = temp.resolve("ck");
    List<CheckpointStats> seen = new CopyOnWriteArrayList<>();
    CollectSink<String> sink = new CollectSink<>();
    RunOptions options = RunOptions.microBatch(Duration.ofMillis(20)).withParallelism(2)
        .withCheckpointing(ck, Duration.ofSeconds(1))
        .withTrigger(new RunOptions.Trigger(Duration.ofMillis(20), false, 2_000));
    options = options.withCheckpointing(options.checkpointing().withListener(seen::add));
    JobResult r = job("stats-mb", 40_000, sink).run(options);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sink.result()).hasSize(40_000); // FirstSeen: one line per element

    MicroBatchLog log = new MicroBatchLog(ck.resolve("stats-mb"));
    List<Long> ids = new ArrayList<>();
    for (CheckpointStats s : seen) {
      ids.add(s.id());
      assertPhasesInOrder(s);
    }
    // every committed batch once and in order, the one the input ended in too (committed by the job's
    // last checkpoint, reported under its batch id); the last checkpoint itself only if no batch was open
    List<Long> batches = log.committedIds();
    assertThat(batches).hasSizeGreaterThan(3);
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(ids.stream().filter(batches::contains).toList()).isEqualTo(batches);
    List<Long> others = ids.stream().filter(i -> !batches.contains(i)).toList();
    assertThat(others).hasSizeLessThanOrEqualTo(1);
    if (!others.isEmpty()) {
      assertThat(ids.get(ids.size() - 1)).isEqualTo(others.get(0)).isGreaterThan(batches.get(batches.size() - 1));
    }
    long read = 0;
    for (CheckpointStats s : seen) {
      read += s.recordsRead();
      if (batches.contains(s.id())) {
        assertThat(s.planned()).isPositive(); // the ask and the offset log write happen before the batch's checkpoint
        long planned = 0;
        for (MicroBatchLog.Range range : log.readOffsets(s.id()).ranges()) {
          planned += (range.end() - range.start() + 1) / 2; // generator indices: split s reads s, s + 2, ...
        }
        assertThat(s.recordsRead()).as("batch %d", s.id()).isEqualTo(planned);
      }
    }
    assertThat(read).isEqualTo(40_000);
    // sizes as in the metadata of the checkpoints still kept
    CheckpointStorage storage = new CheckpointStorage(ck, "stats-mb");
    int compared = 0;
    for (CheckpointStats s : seen) {
      CheckpointMetadata m;
      try {
        m = storage.readMetadata(s.id());
      } catch (Exception gone) {
        continue; // removed by retention
      }
      if (m.last()) {
        continue;
      }
      assertThat(s.bytes()).isEqualTo(m.sizeBytes());
      assertThat(s.bytesWritten()).isEqualTo(m.writtenBytes()).isLessThanOrEqualTo(s.bytes()).isPositive();
      compared++;
    }
    assertThat(compared).isPositive();
  }

  @Test
  void streamingCheckpointsAreReportedAndAThrowingListenerDoesNotFailTheJob() {
    Path ck = temp.resolve("ck");
    List<CheckpointStats> seen = new CopyOnWriteArrayList<>();
    Consumer<CheckpointStats> listener = s -> {
      seen.add(s);
      throw new IllegalStateException("a listener bug");
    };
    CollectSink<String> sink = new CollectSink<>();
    RunOptions options = RunOptions.streaming().withParallelism(2).withCheckpointing(ck, Duration.ofMillis(20));
    options = options.withCheckpointing(options.checkpointing().withListener(listener));
    // 0.75 s of input at 200k records/s: several 20 ms checkpoints even on a loaded machine
    JobResult r = job("stats-stream", 150_000, sink).run(options);
    assertThat(r.status()).isEqualTo(JobResult.Status.SUCCEEDED);
    assertThat(sink.result()).hasSize(150_000);
    List<Long> ids = new ArrayList<>();
    for (CheckpointStats s : seen) {
      assertPhasesInOrder(s);
      assertThat(s.planned()).isZero();
      ids.add(s.id());
    }
    assertThat(ids).hasSizeGreaterThanOrEqualTo(2).isSorted().doesNotHaveDuplicates(); // a periodic one and the last
    // every record is counted once: in the checkpoint whose barrier it came before, the rest in the last one
    assertThat(seen.stream().mapToLong(CheckpointStats::recordsRead).sum()).isEqualTo(150_000);
    assertThat(seen.get(0).recordsRead()).isPositive();
  }
}
