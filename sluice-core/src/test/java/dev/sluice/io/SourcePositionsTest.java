package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Timestamped;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import dev.sluice.core.io.FileSplit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In-memory sources, the generator and the directory watch resume exactly from
 * {@code remainingSplit()}: with random checkpoints (cut, serialize with Java or Kryo, restore, cut
 * again) every split emits the same records, timestamps and watermarks as read in one go.
 */
class SourcePositionsTest {
  @TempDir Path dir;

  /** Reads every split of {@code source} with and without cuts; returns the number of cuts. */
  private static <T> int check(Source<T> source, int parallelism, long expectedPerSplit, Random random,
      String description, Set<Class<?>> splitTypes) throws Exception {
    return check(source, parallelism, expectedPerSplit, true, random, description, splitTypes);
  }

  private static <T> int check(Source<T> source, int parallelism, long expectedPerSplit, boolean finite,
      Random random, String description, Set<Class<?>> splitTypes) throws Exception {
    int cuts = 0;
    for (SourceSplit split : source.splits(parallelism)) {
      String d = description + ", split " + split.id();
      SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.FAIL, "s");
      List<ResumeHarness.Emitted<T>> expected = ResumeHarness.uninterrupted(source, split, ctx, expectedPerSplit);
      ResumeHarness.Cut<T> cut = ResumeHarness.withCuts(source, split, ctx, expectedPerSplit, finite, random, d, splitTypes);
      assertThat(cut.records()).as(d + " (" + cut.cuts() + " cuts)").containsExactlyElementsOf(expected);
      cuts += cut.cuts();
    }
    return cuts;
  }

  private static Class<?> splitType(Source<?> source) throws Exception {
    return source.splits(1).get(0).getClass();
  }

  @Test
  void collectionsResumeExactly() throws Exception {
    for (long seed = 0; seed < 30; seed++) {
      Random random = new Random(seed);
      int n = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(6000);
      List<Integer> values = new ArrayList<>();
      List<Timestamped<Integer>> timed = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        values.add(random.nextInt());
        timed.add(new Timestamped<>(i, random.nextInt(1000)));
      }
      int p = 1 + random.nextInt(4);
      String d = "seed " + seed + ", " + n + " elements, parallelism " + p;
      Source<Integer> plain = Sources.collection(values);
      Source<Integer> stamped = Sources.timestamped(timed);
      check(plain, p, -1, random, "collection, " + d, Set.of(splitType(plain)));
      check(stamped, p, -1, random, "timestamped, " + d, Set.of(splitType(stamped)));
    }
  }

  @Test
  void generatorsResumeExactlyWithTimestampsAndWatermarks() throws Exception {
    for (long seed = 0; seed < 30; seed++) {
      Random random = new Random(seed);
      long n = random.nextInt(5) == 0 ? random.nextInt(3) : random.nextInt(20_000);
      int p = 1 + random.nextInt(4);
      int mode = random.nextInt(3);
      GeneratorSource<Long> g = Sources.generator(i -> i * 7).count(n);
      g = switch (mode) {
        case 0 -> g;
        case 1 -> g.withTimestamps(i -> i / 3);
        default -> g.withUnorderedTimestamps(i -> (i * 31) % 1000);
      };
      String d = "seed " + seed + ", " + n + " records, parallelism " + p + ", timestamp mode " + mode;
      check(g, p, -1, random, d, Set.of(splitType(g)));
    }
  }

  @Test
  void anUnboundedGeneratorResumes() throws Exception {
    Random random = new Random(7);
    GeneratorSource<Long> g = Sources.generator(i -> i).withTimestamps(i -> i);
    assertThat(check(g, 3, 5000, false, random, "unbounded, seed 7", Set.of(splitType(g)))).isGreaterThan(3);
  }

  @Test
  void aRestoredGeneratorStartsItsRateScheduleAgain() throws Exception {
    GeneratorSourceTest.ManualClock clock = new GeneratorSourceTest.ManualClock();
    clock.millis = 1_000_000;
    GeneratorSource<Long> g = Sources.generator(i -> i).ratePerSecond(100).withClock(clock);
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.FAIL, "g");
    List<Long> got = new ArrayList<>();
    SourceSplit rest;
    try (SplitReader<Long> r = g.reader(g.splits(1).get(0), ctx)) {
      r.read(got::add);
      assertThat(got).isEmpty();
      clock.millis += 1000;
      r.read(got::add);
      assertThat(got).hasSize(100);
      rest = r.remainingSplit();
    }
    clock.millis += 60_000; // the job was down for a minute: no burst after the restore
    try (SplitReader<Long> r = g.reader(SerializationTest.roundTrip(rest), ctx)) {
      r.read(got::add);
      assertThat(got).hasSize(100);
      clock.millis += 500;
      r.read(got::add);
      assertThat(got).hasSize(150).endsWith(149L);
    }
  }

  private void publish(String name, byte[] content, boolean gz) throws Exception {
    Path tmp = dir.resolve("." + name + ".tmp");
    FileSourcePositionsTest.write(tmp, content, gz);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void aWatchedDirectoryResumesInsideAFileAndNeverRereadsAFinishedOne() throws Exception {
    for (long seed = 0; seed < 12; seed++) {
      Random random = new Random(seed);
      Path sub = Files.createDirectory(dir.resolve("w" + seed));
      int files = random.nextInt(6);
      long lines = 0;
      for (int f = 0; f < files; f++) {
        int count = random.nextInt(3) == 0 ? random.nextInt(5) : 1000 + random.nextInt(9000);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
          text.append("f").append(f).append(" line ").append(i).append(random.nextInt(4) == 0 ? "\r\n" : "\n");
        }
        boolean gz = random.nextInt(3) == 0;
        Path tmp = sub.resolve(".f" + f);
        FileSourcePositionsTest.write(tmp, text.toString().getBytes(StandardCharsets.UTF_8), gz);
        Files.move(tmp, sub.resolve("f" + f + (gz ? ".txt.gz" : ".txt")));
        lines += count;
      }
      DirectoryWatchSource<String> source = Sources.watchDirectory(sub.toString())
          .withPollInterval(Duration.ZERO).withoutStabilityCheck();
      String d = "seed " + seed + ", " + files + " files, " + lines + " lines";
      // one split: it sees every file, so the number of records it ends with is known
      int cuts = check(source, 1, lines, random, d, Set.of(splitType(source), FileSplit.class));
      assertThat(cuts).as(d).isPositive();
    }
  }

  @Test
  void aRestoredWatchReadsNewFilesButNotOldOnes() throws Exception {
    publish("a.txt", "a1\na2\n".getBytes(StandardCharsets.UTF_8), false);
    DirectoryWatchSource<String> source = Sources.watchDirectory(dir.toString()).withPollInterval(Duration.ZERO);
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.FAIL, "w");
    SourceSplit rest;
    try (SplitReader<String> r = source.reader(source.splits(1).get(0), ctx)) {
      assertThat(DirectoryWatchSourceTest.drain(r)).containsExactly("a1", "a2");
      rest = SerializationTest.roundTrip(r.remainingSplit());
    }
    assertThat(((DirectoryWatchSource.WatchSplit) rest).finished()).containsExactly("a.txt");
    publish("b.txt.gz", "b1\n".getBytes(StandardCharsets.UTF_8), true);
    try (SplitReader<String> r = source.reader(rest, ctx)) {
      assertThat(DirectoryWatchSourceTest.drain(r)).containsExactly("b1");
      assertThat(((DirectoryWatchSource.WatchSplit) r.remainingSplit()).finished()).containsExactly("a.txt", "b.txt.gz");
    }
  }
}
