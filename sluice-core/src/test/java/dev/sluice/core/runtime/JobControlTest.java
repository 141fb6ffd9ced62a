package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.core.checkpoint.JobControl;
import dev.sluice.io.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job control files ({@link JobControl}): a running job with checkpoints holds its lock, a second
 * run on the same directory is refused, a savepoint request written into the directory is served,
 * a bad one is answered by nothing and does not disturb the job. (Across processes: sluice-cli's
 * {@code SavepointCommandTest}.)
 */
class JobControlTest {
  @TempDir Path temp;

  private static Pipeline job() {
    Pipeline p = Pipeline.create("ctl");
    p.read(Sources.generator(i -> i).ratePerSecond(2_000)).map(x -> x * 2).write(new CollectSink<>());
    return p;
  }

  private RunOptions options() {
    return RunOptions.streaming().withParallelism(2).withCheckpointing(temp.resolve("ck"), Duration.ofMillis(50));
  }

  @Test
  void aRunningJobHoldsItsDirectoryAndServesSavepointRequests() throws Exception {
    JobControl client = new JobControl(temp.resolve("ck").resolve("ctl"));
    JobHandle h = job().start(options());
    try {
      assertThat(client.running()).as("the job holds its lock").isTrue();
      assertThatThrownBy(() -> job().run(options())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is running already").hasMessageContaining(client.lockFile().toString())
          .hasMessageContaining("process " + ProcessHandle.current().pid());

      // a request that is not one: logged and dropped, the job goes on
      Files.writeString(client.dir().resolve("savepoint-request"), "garbage\n");
      assertThatThrownBy(() -> client.request(new JobControl.Request("r0", temp.resolve("x"), false)))
          .hasMessageContaining("already waiting");
      for (int i = 0; i < 6_000 && Files.exists(client.dir().resolve("savepoint-request")); i++) {
        Thread.sleep(10); // taken and dropped by the job
      }
      Path sp = temp.resolve("sp");
      client.request(new JobControl.Request("r1", sp, false));
      JobControl.Response r = null;
      for (int i = 0; i < 6_000 && r == null; i++) { // waits for the answer; the bound only ends a hang
        Thread.sleep(10);
        r = client.response("r1");
      }
      assertThat(r).as("answered").isNotNull();
      assertThat(r.done()).as(String.valueOf(r.error())).isTrue();
      assertThat(r.path()).isEqualTo(sp);
      assertThat(sp.resolve("_metadata")).exists();
      assertThat(h.isDone()).isFalse();

      // a second savepoint into the same directory fails; the answer carries the error
      client.request(new JobControl.Request("r2", sp, false));
      JobControl.Response again = null;
      for (int i = 0; i < 6_000 && again == null; i++) {
        Thread.sleep(10);
        again = client.response("r2");
      }
      assertThat(again).isNotNull();
      assertThat(again.done()).isFalse();
      assertThat(again.error()).contains(sp.toString());
    } finally {
      h.cancel();
    }
    assertThat(h.await().status()).isEqualTo(JobResult.Status.CANCELLED);
    // the lock goes with the run: the next run on the directory starts (it waits for the release)
    JobHandle next = job().start(options());
    next.cancel();
    assertThat(next.await().status()).isEqualTo(JobResult.Status.CANCELLED);
  }
}
