package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.checkpoint.CheckpointMetadata;
import dev.sluice.core.checkpoint.CheckpointStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsCommandTest {
  @TempDir Path temp;

  @Test
  void listsCompleteAndIncompleteCheckpoints() throws Exception {
    CheckpointStorage storage = new CheckpointStorage(temp, "q5");
    CheckpointMetadata.StateFile f = storage.writeState(7, 0, 0, new byte[100]); // + 20 bytes of header (version 2)
    storage.writeMetadata(new CheckpointMetadata(CheckpointStorage.METADATA_VERSION, "q5", 7, 0, 12, 3_400_000,
        f.size(), false, "sig", List.of(), List.of(f), List.of()));
    Files.createDirectories(storage.dirOf(8));
    MainTest.Outcome o = MainTest.sluice("checkpoints", "list", temp.toString());
    assertThat(o.code()).isZero();
    assertThat(o.out()).contains("q5").contains("12 ms").contains("120 B").contains("3.4 ms").contains("complete")
        .contains("incomplete");
  }

  @Test
  void missingDirectoryAndBadIntervalAreUsageErrors() {
    assertThat(MainTest.sluice("checkpoints", "list", temp.resolve("nope").toString()).code()).isEqualTo(Main.BAD_USAGE);
    MainTest.Outcome o = MainTest.sluice("run", "nexmark", "--events", "10", "--checkpoint-dir", temp.toString(),
        "--checkpoint-interval", "soon");
    assertThat(o.code()).isEqualTo(Main.BAD_USAGE);
    assertThat(o.err()).contains("cannot read duration 'soon'");
  }
}
