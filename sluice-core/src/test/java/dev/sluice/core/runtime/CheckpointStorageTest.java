package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import dev.sluice.core.checkpoint.TaskState;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSource;
import dev.sluice.core.runtime.CheckpointTestSupport.SeqSplit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files: round trip, damage, versions, retention. */
class CheckpointStorageTest {
  @TempDir Path temp;

  private Pipeline plan() {
    Pipeline p = Pipeline.create("store");
    p.read(new SeqSource(100, 10, 0, false, true)).map(x -> x + 1).write(new CollectSink<>());
    return p;
  }

  private StreamCheckpoints checkpoints() {
    return new StreamCheckpoints(plan().plan(), new RunOptions.Checkpointing(temp, Duration.ofSeconds(1), 2, 0));
  }

  /** Writes checkpoint {@code id} with one task whose split has {@code from} left. */
  private void write(StreamCheckpoints ck, long id, long from) throws IOException {
    HashMap<Integer, Object> ops = new HashMap<>();
    ops.put(1, List.of("state", id));
    byte[] bytes = ck.serde.toBytes(new TaskState(0, 0, false, 0, new SeqSplit("seq-0", from, 100), ops));
    CheckpointMetadata.StateFile f = ck.storage.writeState(id, 0, 0, bytes);
    ck.storage.writeMetadata(new CheckpointMetadata(CheckpointStorage.METADATA_VERSION, "store", id, 1L, 2L, 3L,
        f.size(), false, StreamCheckpoints.signature(plan().plan()), List.copyOf(ck.serde.writtenClassNames()),
        List.of(f), List.of()));
  }

  @Test
  void roundTrip() throws IOException {
    write(checkpoints(), 1, 42);
    StreamCheckpoints.Restored r = checkpoints().loadLatest(); // a fresh Serde: allowed by the metadata's names
    assertThat(r.metadata().id()).isEqualTo(1);
    assertThat(r.metadata().durationMillis()).isEqualTo(2);
    TaskState s = r.byStage().get(0).get(0);
    assertThat(s.remaining()).isEqualTo(new SeqSplit("seq-0", 42, 100));
    assertThat(s.operators().get(1)).isEqualTo(List.of("state", 1L));
  }

  @Test
  void corruptTruncatedOrPartialCheckpointsAreSkipped() throws IOException {
    StreamCheckpoints ck = checkpoints();
    write(ck, 1, 10);
    write(ck, 2, 20);
    write(ck, 3, 30);
    write(ck, 4, 40);
    // 4: flipped byte in the state file; 3: truncated state file; 5: no metadata
    Path f4 = ck.storage.dirOf(4).resolve("task-0-0");
    byte[] b = Files.readAllBytes(f4);
    b[b.length - 1] ^= 1;
    Files.write(f4, b);
    Path f3 = ck.storage.dirOf(3).resolve("task-0-0");
    Files.write(f3, java.util.Arrays.copyOf(Files.readAllBytes(f3), 20));
    Files.createDirectories(ck.storage.dirOf(5));
    StreamCheckpoints.Restored r = checkpoints().loadLatest();
    assertThat(r.metadata().id()).isEqualTo(2);
    assertThat(r.byStage().get(0).get(0).remaining()).isEqualTo(new SeqSplit("seq-0", 20, 100));
    assertThat(ck.storage.dirOf(5)).doesNotExist(); // partial: removed

    Path m2 = ck.storage.dirOf(2).resolve(CheckpointStorage.METADATA);
    byte[] m = Files.readAllBytes(m2);
    m[m.length - 3] ^= 0x10;
    Files.write(m2, m);
    assertThat(checkpoints().loadLatest().metadata().id()).isEqualTo(1);
  }

  @Test
  void unknownFormatVersionIsRefused() throws IOException {
    StreamCheckpoints ck = checkpoints();
    write(ck, 1, 10);
    Path m = ck.storage.dirOf(1).resolve(CheckpointStorage.METADATA);
    byte[] b = Files.readAllBytes(m);
    ByteBuffer.wrap(b).putInt(4, 99);
    Files.write(m, b);
    assertThatThrownBy(() -> checkpoints().loadLatest())
        .hasMessageContaining("format version 99").hasMessageContaining("reads version 1")
        .hasMessageContaining("move the checkpoint directory away");
  }

  @Test
  void anotherPipelineUnderTheSameNameIsRefused() throws IOException {
    write(checkpoints(), 1, 10);
    Pipeline other = Pipeline.create("store");
    other.read(new SeqSource(100, 10, 0, false, true)).filter(x -> x > 1).map(x -> x + 1).write(new CollectSink<>());
    StreamCheckpoints ck = new StreamCheckpoints(other.plan(),
        new RunOptions.Checkpointing(temp, Duration.ofSeconds(1), 2, 0));
    assertThatThrownBy(ck::loadLatest).hasMessageContaining("different pipeline");
  }

  @Test
  void retentionKeepsTheNewestComplete() throws IOException {
    StreamCheckpoints ck = checkpoints();
    for (long id = 1; id <= 5; id++) {
      write(ck, id, id);
    }
    Files.createDirectories(ck.storage.dirOf(3).resolveSibling("chk-6"));
    ck.storage.retain(2);
    assertThat(ck.storage.ids()).containsExactly(4L, 5L, 6L); // 6 is newer than every complete one: may be in flight
  }

  @Test
  void unregisteredClassesInStateAreRefused() throws IOException {
    StreamCheckpoints ck = checkpoints();
    write(ck, 1, 10);
    // A metadata that does not list the split class: the state file holds a class nobody allowed.
    CheckpointMetadata m = ck.storage.readMetadata(1);
    ck.storage.writeMetadata(new CheckpointMetadata(m.version(), m.job(), 1, 0, 0, 0, m.sizeBytes(), false,
        m.planSignature(), m.classNames().stream().filter(c -> !c.contains("SeqSplit")).toList(), m.files(),
        List.of()));
    assertThat(checkpoints().loadLatest()).isNull(); // skipped: cannot be read safely
  }
}
