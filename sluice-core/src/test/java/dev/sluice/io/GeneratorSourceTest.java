package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.RunOptions;
import dev.sluice.api.Pipeline;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GeneratorSourceTest {

  /** A clock the test moves by hand. */
  static final class ManualClock implements InstantSource {
    long millis;

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  static <T> List<RecordingOutput<T>> readAll(GeneratorSource<T> source, int parallelism) throws Exception {
    List<RecordingOutput<T>> outs = new ArrayList<>();
    SourceHarness.FakeContext ctx = new SourceHarness.FakeContext(BadRecordPolicy.FAIL, source.name());
    for (SourceSplit s : source.splits(parallelism)) {
      RecordingOutput<T> out = new RecordingOutput<>();
      try (SplitReader<T> r = source.reader(s, ctx)) {
        int calls = 0;
        while (r.read(out)) {
          assertThat(++calls).as("reader makes progress").isLessThan(1_000_000);
        }
        assertThat(r.read(out)).isFalse();
      }
      outs.add(out);
    }
    return outs;
  }

  static <T> List<T> values(List<RecordingOutput<T>> outs) {
    List<T> all = new ArrayList<>();
    outs.forEach(o -> all.addAll(o.values()));
    return all;
  }

  @Test
  void boundedGeneratorIsTheSameMultisetAtParallelism124() throws Exception {
    GeneratorSource<String> g = Sources.generator(i -> "r" + (i % 97)).count(10_007);
    List<String> p1 = values(readAll(g, 1));
    assertThat(p1).hasSize(10_007);
    assertThat(values(readAll(g, 2))).containsExactlyInAnyOrderElementsOf(p1);
    assertThat(values(readAll(g, 4))).containsExactlyInAnyOrderElementsOf(p1);
    assertThat(g.bounded()).isTrue();
    assertThat(g.blocking()).isFalse();
  }

  @Test
  void splitIGeneratesIndicesIModP() throws Exception {
    List<RecordingOutput<Long>> outs = readAll(Sources.generator(i -> i).count(10), 4);
    assertThat(outs).hasSize(4);
    assertThat(outs.get(0).values()).containsExactly(0L, 4L, 8L);
    assertThat(outs.get(1).values()).containsExactly(1L, 5L, 9L);
    assertThat(outs.get(3).values()).containsExactly(3L, 7L);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 3, 1023, 1024, 1025, 5000})
  void boundedCountsAreExact(long n) throws Exception {
    List<Long> all = values(readAll(Sources.generator(i -> i).count(n), 3));
    assertThat(all).hasSize((int) n).doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < n);
  }

  @Test
  void moreSplitsThanRecordsGivesOneSplitPerRecord() throws Exception {
    assertThat(Sources.generator(i -> i).count(2).splits(8)).hasSize(2);
    assertThat(Sources.generator(i -> i).count(0).splits(8)).hasSize(1);
    assertThat(Sources.generator(i -> i).splits(8)).hasSize(8);
  }

  @Test
  void unboundedReaderKeepsGoingInChunks() throws Exception {
    GeneratorSource<Long> g = Sources.generator(i -> i);
    assertThat(g.bounded()).isFalse();
    SplitReader<Long> r = g.reader(g.splits(2).get(1), null);
    RecordingOutput<Long> out = new RecordingOutput<>();
    for (int i = 0; i < 5; i++) {
      assertThat(r.read(out)).isTrue();
    }
    assertThat(out.values()).hasSize(5 * GeneratorSource.CHUNK).startsWith(1L, 3L, 5L);
    assertThat(r.position()).contains("index " + (1 + 2 * (5 * GeneratorSource.CHUNK - 1)));
  }

  @Test
  void rateLimitHoldsAtEveryInstantOfAVirtualClock() throws Exception {
    ManualClock clock = new ManualClock();
    clock.millis = 1_000_000;
    long rate = 250;
    GeneratorSource<Long> g = Sources.generator(i -> i).ratePerSecond(rate).withClock(clock);
    List<? extends SourceSplit> splits = g.splits(3);
    List<SplitReader<Long>> readers = new ArrayList<>();
    for (SourceSplit s : splits) {
      readers.add(g.reader(s, null));
    }
    RecordingOutput<Long> out = new RecordingOutput<>();
    // At t = 0 nothing is due: each reader returns true with nothing emitted.
    for (SplitReader<Long> r : readers) {
      assertThat(r.read(out)).isTrue();
    }
    assertThat(out.records).isEmpty();
    for (long elapsed = 0; elapsed <= 10_000; elapsed += 37) {
      clock.millis = 1_000_000 + elapsed;
      for (int round = 0; round < 3; round++) {
        for (SplitReader<Long> r : readers) {
          assertThat(r.read(out)).isTrue();
        }
      }
      long allowed = rate * elapsed / 1000;
      assertThat((long) out.records.size()).as("records at %d ms", elapsed).isEqualTo(allowed);
    }
    // The records emitted are exactly the indices 0 .. allowed-1.
    assertThat(out.values()).containsExactlyInAnyOrderElementsOf(
        values(readAll(Sources.generator(i -> i).count(out.records.size()), 1)));
  }

  @Test
  void rateLimitedBoundedGeneratorEndsWhenAllAreDue() throws Exception {
    ManualClock clock = new ManualClock();
    GeneratorSource<Long> g = Sources.generator(i -> i).count(10).ratePerSecond(5).withClock(clock);
    SplitReader<Long> r = g.reader(g.splits(1).get(0), null);
    RecordingOutput<Long> out = new RecordingOutput<>();
    clock.millis = 1000;
    assertThat(r.read(out)).isTrue();
    assertThat(out.values()).containsExactly(0L, 1L, 2L, 3L, 4L);
    clock.millis = 2000;
    assertThat(r.read(out)).isFalse();
    assertThat(out.values()).hasSize(10);
  }

  @Test
  void timestampsAndWatermarksFollowTheIndex() throws Exception {
    GeneratorSource<Long> g = Sources.generator(i -> i).count(5000).withTimestamps(i -> 1000 + i * 10);
    for (RecordingOutput<Long> out : readAll(g, 2)) {
      for (int k = 0; k < out.records.size(); k++) {
        long v = out.records.get(k).value();
        assertThat(out.records.get(k).timestamp()).isEqualTo(1000 + v * 10);
        // No record is behind a watermark emitted before it.
        assertThat(out.records.get(k).timestamp()).isGreaterThan(out.watermarkBefore.get(k));
      }
      assertThat(out.watermarks).isNotEmpty();
    }
  }

  @Test
  void watermarkAdvancesEvenWhileRateLimited() throws Exception {
    ManualClock clock = new ManualClock();
    GeneratorSource<Long> g = Sources.generator(i -> i).ratePerSecond(1).withClock(clock).withTimestamps(i -> i * 100);
    SplitReader<Long> r = g.reader(g.splits(1).get(0), null);
    RecordingOutput<Long> out = new RecordingOutput<>();
    clock.millis = 2500;
    assertThat(r.read(out)).isTrue();
    assertThat(out.values()).containsExactly(0L, 1L);
    assertThat(out.watermarks).containsExactly(199L); // the next record has timestamp 200
  }

  @Test
  void decreasingTimestampsFailClearly() {
    GeneratorSource<Long> g = Sources.generator(i -> i).count(10).withTimestamps(i -> i == 5 ? 0 : i * 10);
    assertThatThrownBy(() -> readAll(g, 1))
        .hasMessageContaining("index 5").hasMessageContaining("withUnorderedTimestamps");
  }

  @Test
  void unorderedTimestampsEmitNoWatermarks() throws Exception {
    GeneratorSource<Long> g = Sources.generator(i -> i).count(100).withUnorderedTimestamps(i -> (i * 7919) % 100);
    List<RecordingOutput<Long>> outs = readAll(g, 2);
    for (RecordingOutput<Long> out : outs) {
      assertThat(out.watermarks).isEmpty();
      out.records.forEach(r -> assertThat(r.timestamp()).isEqualTo((r.value() * 7919) % 100));
    }
  }

  @Test
  void plainCollectorGetsValuesOnly() throws Exception {
    GeneratorSource<Long> g = Sources.generator(i -> i).count(3).withTimestamps(i -> i);
    List<Long> got = new ArrayList<>();
    SplitReader<Long> r = g.reader(g.splits(1).get(0), null);
    while (r.read(got::add)) { }
    assertThat(got).containsExactly(0L, 1L, 2L);
  }

  @Test
  void functionFailureNamesTheIndex() {
    GeneratorSource<Long> g = Sources.generator(i -> {
      if (i == 7) {
        throw new java.io.IOException("boom");
      }
      return i;
    }).count(10);
    assertThatThrownBy(() -> readAll(g, 1)).hasMessageContaining("index 7").hasMessageContaining("boom");
  }

  @Test
  void badArgumentsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> Sources.generator(i -> i).count(-1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> Sources.generator(i -> i).ratePerSecond(-5)).hasMessageContaining("-5");
  }

  @Test
  void survivesSerialization() throws Exception {
    GeneratorSource<Long> g = SerializationTest.roundTrip(Sources.generator(i -> i * 2).count(4).withTimestamps(i -> i));
    assertThat(values(readAll(g, 1))).containsExactly(0L, 2L, 4L, 6L);
  }

  @Test
  void boundedGeneratorFeedsABatchJob() {
    List<Long> got = Pipeline.create("gen").read(Sources.generator(i -> i % 10).count(1000))
        .filter(x -> x == 3).collect(RunOptions.batch().withParallelism(3));
    assertThat(got).hasSize(100).containsOnly(3L);
  }

  @Test
  void nameSaysWhatItIs() {
    assertThat(Sources.generator(i -> i).ratePerSecond(10).name()).isEqualTo("generator(unbounded, 10/s)");
    assertThat(Sources.generator(i -> i).count(5).name()).isEqualTo("generator(5 records)");
    assertThat(Duration.ZERO).isNotNull();
  }
}
