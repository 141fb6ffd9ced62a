package dev.sluice.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offset log entries with and without a reader's detail per range. */
class MicroBatchLogTest {
  @TempDir Path temp;

  @Test
  void rangesWithDetailsRoundTripAsVersion2AndPlainOnesStayVersion1() throws Exception {
    MicroBatchLog log = new MicroBatchLog(temp);
    log.writeOffsets(new MicroBatchLog.Plan(1, List.of(new MicroBatchLog.Range(0, 0, 5, 9), new MicroBatchLog.Range(0, 1, 0, 3))));
    assertThat(Files.readString(temp.resolve("offsets").resolve("1"))).startsWith("sluice-offsets 1\n");
    MicroBatchLog.Plan withDetail = new MicroBatchLog.Plan(2, List.of(new MicroBatchLog.Range(0, 0, 9, 20, "t:0:12,t:3:8:0"),
        new MicroBatchLog.Range(0, 1, 3, 3)));
    log.writeOffsets(withDetail);
    assertThat(Files.readString(temp.resolve("offsets").resolve("2"))).startsWith("sluice-offsets 2\n")
        .contains("split 0 0 9 20 t:0:12,t:3:8:0\n");
    assertThat(log.readOffsets(2)).isEqualTo(withDetail);
    assertThat(log.readOffsets(1).ranges()).extracting(MicroBatchLog.Range::detail).containsOnlyNulls();
  }

  @Test
  void aDetailIsOneTokenAndVersion1EntriesHaveNone() throws Exception {
    assertThatThrownBy(() -> new MicroBatchLog.Range(0, 2, 0, 1, "a b")).hasMessageContaining("without whitespace")
        .hasMessageContaining("split 2");
    MicroBatchLog log = new MicroBatchLog(temp);
    Files.createDirectories(temp.resolve("offsets"));
    Files.writeString(temp.resolve("offsets").resolve("3"), "sluice-offsets 1\nbatch 3\nsplit 0 0 1 2 extra\n");
    assertThatThrownBy(() -> log.readOffsets(3)).isInstanceOf(MicroBatchLog.TornEntryException.class);
    Files.writeString(temp.resolve("offsets").resolve("4"), "sluice-offsets 3\nbatch 4\n");
    assertThatThrownBy(() -> log.readOffsets(4)).hasMessageContaining("format version 3");
  }
}
