package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the directory source's SplitReader by hand: no streaming runtime, no sleeping. */
class DirectoryWatchSourceTest {
  @TempDir Path dir;

  /** Reads until the reader has nothing more right now (a few calls that emit nothing). */
  static <T> List<T> drain(SplitReader<T> r) throws IOException {
    List<T> got = new ArrayList<>();
    int idle = 0;
    int calls = 0;
    while (idle < 3) {
      int before = got.size();
      assertThat(r.read(got::add)).as("an unbounded reader never ends").isTrue();
      idle = got.size() == before ? idle + 1 : 0;
      assertThat(++calls).as("reader makes progress").isLessThan(100_000);
    }
    return got;
  }

  DirectoryWatchSource<String> source() {
    return Sources.watchDirectory(dir.toString()).withPollInterval(Duration.ZERO);
  }

  SplitReader<String> reader(DirectoryWatchSource<String> s, SourceHarness.FakeContext ctx) {
    return s.reader(s.splits(1).get(0), ctx);
  }

  /** Writes under a hidden name and renames into place, as the contract asks. */
  void publish(String name, String content) throws IOException {
    Path tmp = dir.resolve("." + name + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void readsExistingAndNewFilesOnceEachInNameOrder() throws Exception {
    publish("b.txt", "b1\nb2\n");
    publish("a.txt", "a1\n");
    DirectoryWatchSource<String> s = source();
    assertThat(s.bounded()).isFalse();
    assertThat(s.blocking()).isTrue();
    try (SplitReader<String> r = reader(s, null)) {
      assertThat(drain(r)).containsExactly("a1", "b1", "b2");
      publish("c.txt", "c1\nc2");
      assertThat(drain(r)).containsExactly("c1", "c2");
      assertThat(drain(r)).isEmpty(); // never twice
      publish("0-late-but-small-name.txt", "z\n");
      assertThat(drain(r)).containsExactly("z");
      assertThat(r.position()).contains("4 files read");
      assertThat(r.bytesRead()).isEqualTo(6 + 3 + 5 + 2);
    }
  }

  @Test
  void ignoresHiddenAndTempNamesAndDirectories() throws Exception {
    Files.writeString(dir.resolve(".part-1.tmp"), "hidden\n");
    Files.writeString(dir.resolve("_staging"), "staging\n");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/inner.txt"), "inner\n");
    publish("real.txt", "real\n");
    try (SplitReader<String> r = reader(source(), null)) {
      assertThat(drain(r)).containsExactly("real");
    }
  }

  @Test
  void aFileStillGrowingIsReadOnlyOnceItsSizeSettles() throws Exception {
    Path f = dir.resolve("log.txt");
    Files.writeString(f, "one\n");
    try (SplitReader<String> r = reader(source(), null)) {
      List<String> got = new ArrayList<>();
      r.read(got::add); // first sight: remembered, not read
      assertThat(got).isEmpty();
      Files.writeString(f, "one\ntwo\n");
      Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
      r.read(got::add); // changed since the last poll: still growing
      assertThat(got).isEmpty();
      assertThat(drain(r)).containsExactly("one", "two");
    }
  }

  @Test
  void withoutStabilityCheckReadsAtFirstSight() throws Exception {
    publish("x.txt", "x\n");
    try (SplitReader<String> r = reader(source().withoutStabilityCheck(), null)) {
      List<String> got = new ArrayList<>();
      r.read(got::add);
      assertThat(got).isEmpty(); // the first call opens the file
      r.read(got::add);
      assertThat(got).containsExactly("x");
    }
  }

  @Test
  void linesAppendedAfterPickupAreNotRead() throws Exception {
    publish("a.txt", "a\n");
    try (SplitReader<String> r = reader(source(), null)) {
      List<String> got = new ArrayList<>();
      r.read(got::add);
      r.read(got::add); // picked up and opened, at its length of 2 bytes
      Files.writeString(dir.resolve("a.txt"), "a\nmore\n");
      got.addAll(drain(r));
      assertThat(got).containsExactly("a");
    }
  }

  @Test
  void aVanishedFileFailsNamingIt() throws Exception {
    publish("a.txt", "a\n");
    publish("b.txt", "b\n");
    try (SplitReader<String> r = reader(source(), new SourceHarness.FakeContext(BadRecordPolicy.FAIL, "w"))) {
      List<String> got = new ArrayList<>();
      r.read(got::add); // first sight of a and b
      r.read(got::add); // both picked up (size settled); a is open
      Files.delete(dir.resolve("b.txt"));
      assertThatThrownBy(() -> {
        for (int i = 0; i < 10; i++) {
          r.read(got::add);
        }
      }).isInstanceOf(IOException.class)
          .hasMessageContaining(dir.resolve("b.txt").toString()).hasMessageContaining("disappeared");
      assertThat(got).containsExactly("a");
    }
  }

  @Test
  void aFileThatVanishesBeforePickupIsNobodysBusiness() throws Exception {
    publish("a.txt", "a\n");
    try (SplitReader<String> r = reader(source(), new SourceHarness.FakeContext(BadRecordPolicy.FAIL, "w"))) {
      List<String> got = new ArrayList<>();
      r.read(got::add); // first sight only
      Files.delete(dir.resolve("a.txt"));
      got.addAll(drain(r));
      assertThat(got).isEmpty();
    }
  }

  @Test
  void aVanishedFileIsABadRecordUnderSkip() throws Exception {
    publish("a.txt", "a\n");
    publish("b.txt", "b\n");
    publish("c.txt", "c\n");
    DirectoryWatchSource<String> s = source().withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER);
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.DEAD_LETTER, s.name());
    try (SplitReader<String> r = reader(s, ctx)) {
      List<String> got = new ArrayList<>();
      r.read(got::add);
      r.read(got::add);
      Files.delete(dir.resolve("b.txt"));
      got.addAll(drain(r));
      assertThat(got).containsExactly("a", "c");
      assertThat(ctx.deadLetters).hasSize(1);
      assertThat(ctx.deadLetters.get(0).position()).isEqualTo("file " + dir.resolve("b.txt"));
      assertThat(ctx.deadLetters.get(0).reason()).contains("disappeared");
    }
  }

  @Test
  void badLinesFollowThePolicyAndNameTheFile() throws Exception {
    publish("n.txt", "1\nx\n3\n");
    LineParser<Integer> ints = (buf, start, end, out) -> out.collect(Integer.parseInt(new String(buf, start, end - start)));
    DirectoryWatchSource<Integer> s = Sources.watchDirectory(dir.toString(), ints).withPollInterval(Duration.ZERO);
    try (SplitReader<Integer> r = s.reader(s.splits(1).get(0), new SourceHarness.FakeContext(BadRecordPolicy.FAIL, "w"))) {
      assertThatThrownBy(() -> drain(r)).isInstanceOf(BadRecordException.class)
          .hasMessageContaining("n.txt, line 2");
    }
  }

  @Test
  void splitsShareTheFilesWithoutOverlap() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      publish("f" + i + ".txt", "line" + i + "\n");
      expected.add("line" + i);
    }
    DirectoryWatchSource<String> s = source();
    List<String> all = new ArrayList<>();
    for (SourceSplit split : s.splits(3)) {
      try (SplitReader<String> r = s.reader(split, null)) {
        all.addAll(drain(r));
      }
    }
    assertThat(all).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void aMissingDirectoryFailsAtStartNamingIt() {
    assertThatThrownBy(() -> Sources.watchDirectory(dir.resolve("nope").toString()).splits(1))
        .isInstanceOf(InputNotFoundException.class).hasMessageContaining("nope");
  }

  @Test
  void pollIntervalIsRespected() throws Exception {
    DirectoryWatchSource<String> s = Sources.watchDirectory(dir.toString()).withPollInterval(Duration.ofDays(1));
    try (SplitReader<String> r = reader(s, null)) {
      assertThat(drain(r)).isEmpty(); // polled once, at the first read
      publish("late.txt", "late\n");
      assertThat(drain(r)).isEmpty(); // the next poll is a day away
    }
    assertThatThrownBy(() -> s.withPollInterval(Duration.ofMillis(-1))).hasMessageContaining("PT-0.001S");
  }

  @Test
  void survivesSerialization() throws Exception {
    publish("a.txt", "a\n");
    DirectoryWatchSource<String> s = SerializationTest.roundTrip(source());
    try (SplitReader<String> r = reader(s, null)) {
      assertThat(drain(r)).containsExactly("a");
    }
  }
}
