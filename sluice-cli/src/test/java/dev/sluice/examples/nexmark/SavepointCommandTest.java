package dev.sluice.examples.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.MainAccess;
import dev.sluice.cli.MainAccess.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice savepoint} against a job running in another JVM ({@code sluice run nexmark
 * --checkpoint-dir}): a savepoint while it runs, then one with {@code --stop}; restoring from the
 * stop savepoint finishes the output exactly once. Also: no job running, unknown job.
 */
class SavepointCommandTest {
  @TempDir Path dir;

  private Process startJob(String mode, Path out, Path ck, Path errFile) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "nexmark", "--query", "q2", "--events", "200000", "--rate",
        "10000", "-p", "2", "--output", out.toString(), "--checkpoint-dir", ck.toString(), "--mode", mode));
    args.addAll(mode.equals("micro-batch") ? List.of("--trigger-interval", "100ms")
        : List.of("--checkpoint-interval", "100ms"));
    Process p = CliProcess.start(errFile, args);
    CliProcess.awaitStderr(p, errFile, "running nexmark-q2");
    return p;
  }

  @Test
  void savepointOfARunningStreamingJobThenStopAndRestoreIsExactlyOnce() throws Exception {
    savepointThenStopAndRestore("streaming");
  }

  @Test
  void savepointOfARunningMicroBatchJobThenStopAndRestoreIsExactlyOnce() throws Exception {
    savepointThenStopAndRestore("micro-batch");
  }

  private void savepointThenStopAndRestore(String mode) throws Exception {
    Path out = dir.resolve("q2");
    Path ck = dir.resolve("ck");
    Path sp1 = dir.resolve("sp1");
    Path sp2 = dir.resolve("sp2");
    Path errFile = dir.resolve("err.txt");
    Process p = startJob(mode, out, ck, errFile);
    try {
      Outcome first = MainAccess.run("savepoint", "--checkpoint-dir", ck.toString(), "--job", "nexmark-q2",
          "--target", sp1.toString());
      assertThat(first.code()).as(first.err() + Files.readString(errFile)).isZero();
      assertThat(first.out()).contains("savepoint written to " + sp1.toAbsolutePath());
      assertThat(sp1.resolve("_metadata")).exists();
      assertThat(p.isAlive()).as("the job goes on after a savepoint").isTrue();

      Outcome stop = MainAccess.run("savepoint", "--checkpoint-dir", ck.toString(), "--job", "nexmark-q2",
          "--target", sp2.toString(), "--stop");
      assertThat(stop.code()).as(stop.err() + Files.readString(errFile)).isZero();
      assertThat(stop.out()).contains("savepoint written to " + sp2.toAbsolutePath() + "; the job stopped");
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the job stopped").isTrue();
      assertThat(p.exitValue()).as(Files.readString(errFile)).isZero();
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    assertThat(out.resolve("_SUCCESS")).as("stopped before the end of input").doesNotExist();

    // no job holds the directory any more
    Outcome none = MainAccess.run("savepoint", "--checkpoint-dir", ck.toString(), "--job", "nexmark-q2",
        "--target", dir.resolve("sp3").toString());
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("no job is running for " + ck.resolve("nexmark-q2"));

    // resume from the stop savepoint (a new checkpoint directory): every result exactly once
    Outcome o = MainAccess.run("run", "nexmark", "--query", "q2", "--events", "200000", "-p", "1", "--mode", mode,
        "--output", out.toString(), "--checkpoint-dir", dir.resolve("ck2").toString(), "--restore-from",
        sp2.toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(out.resolve("_SUCCESS")).exists();
    ObjectMapper json = new ObjectMapper();
    List<Results.AuctionPrice> got = new ArrayList<>();
    for (String row : NexmarkCliTest.rows(out)) {
      JsonNode n = json.readTree(row);
      got.add(new Results.AuctionPrice(n.get("auction").asLong(), n.get("price").asLong()));
    }
    List<Results.AuctionPrice> expected = Reference.q2(GeneratorTest.generate(GeneratorConfig.defaults(200_000)), 123);
    assertThat(got).as("exactly once across the stop").hasSameSizeAs(expected)
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void unknownJobOrDirectoryIsBadInput() {
    Outcome o = MainAccess.run("savepoint", "--checkpoint-dir", dir.toString(), "--job", "nope", "--target",
        dir.resolve("sp").toString());
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err()).contains("no job 'nope' in checkpoint directory " + dir);
    Outcome missing = MainAccess.run("savepoint", "--checkpoint-dir", dir.toString(), "--job", "nope");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("--target");
  }
}
