package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code SplitReader.remainingSplit(checkpointId)} and {@code notifyCheckpointComplete(checkpointId)}:
 * every reader (blocking on an I/O thread, or fused on a worker) in streaming and micro-batch mode is
 * told of completed checkpoints it took part in, in increasing order, after it snapshotted them.
 */
class SourceCheckpointHookTest {
  @TempDir Path temp;

  @ParameterizedTest
  @CsvSource({"streaming,true", "streaming,false", "micro-batch,true", "micro-batch,false"})
  void readersHearOfCompletedCheckpointsTheySnapshotted(String mode, boolean blocking) {
    String journal = mode + "-" + blocking;
    SeqSource src = new SeqSource(400_000, 500, 300_000, blocking, true);
    src.journal = journal;
    src.microBatch = true;
    RunOptions options = mode.equals("streaming") ? RunOptions.streaming()
        : RunOptions.microBatch(Duration.ofMillis(20))
            .withTrigger(new RunOptions.Trigger(Duration.ofMillis(20), false, 20_000));
    options = options.withParallelism(2).withCheckpointing(temp.resolve("ck"), Duration.ofMillis(30));
    List<Long> out = Pipeline.create("hook-" + journal).read(src).collect(options);
    assertThat(out).hasSize(400_000);
    Map<String, List<String>> bySplit = SeqSource.JOURNALS.get(journal);
    assertThat(bySplit).hasSize(2);
    int completions = 0;
    for (Map.Entry<String, List<String>> e : bySplit.entrySet()) {
      List<String> events;
      synchronized (e.getValue()) {
        events = new ArrayList<>(e.getValue());
      }
      Set<Long> snapshotted = new HashSet<>();
      long lastComplete = 0;
      for (String ev : events) {
        long id = Long.parseLong(ev.substring(ev.indexOf(' ') + 1));
        if (ev.startsWith("snapshot")) {
          snapshotted.add(id);
        } else {
          assertThat(snapshotted).as("split %s: complete %d before its snapshot (%s)", e.getKey(), id, events).contains(id);
          assertThat(id).as("split %s: completions increase (%s)", e.getKey(), events).isGreaterThan(lastComplete);
          lastComplete = id;
          completions++;
        }
      }
    }
    assertThat(completions).as("completed checkpoints the readers heard of").isGreaterThanOrEqualTo(2);
  }
}
