package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.Timestamped;
import dev.sluice.api.source.SourceOutput;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestStreamTest {

  /** What the runtime would see through SourceOutput, as one list of "v@ts" and "wm:w" events. */
  static List<String> replay(TestStream<String> s, List<Integer> chunkEnds) throws Exception {
    List<String> events = new ArrayList<>();
    SourceOutput<String> out = new SourceOutput<>() {
      @Override public void collect(String r) { events.add(r); }
      @Override public void collect(String r, long ts) { events.add(r + "@" + ts); }
      @Override public void emitWatermark(long w) { events.add("wm:" + w); }
    };
    try (SplitReader<String> r = s.reader(s.splits(4).get(0), null)) {
      boolean more = true;
      while (more) {
        more = r.read(out);
        chunkEnds.add(events.size());
      }
    }
    return events;
  }

  @Test
  void replaysTheScriptInOrderEndingAChunkAtEachWatermark() throws Exception {
    TestStream<String> s = TestStream.<String>create()
        .add("a", 1).add("b", 2).advanceWatermarkTo(5).add("late", 3).advanceWatermarkToInfinity();
    assertThat(s.splits(8)).hasSize(1);
    assertThat(s.bounded()).isTrue();
    assertThat(s.blocking()).isFalse();
    List<Integer> chunks = new ArrayList<>();
    assertThat(replay(s, chunks)).containsExactly("a@1", "b@2", "wm:5", "late@3", "wm:" + Long.MAX_VALUE);
    assertThat(chunks).containsExactly(3, 5);
  }

  @Test
  void isImmutable() throws Exception {
    TestStream<String> base = TestStream.<String>create().add("a", 1);
    TestStream<String> more = base.add("b", 2);
    assertThat(base.events()).hasSize(1);
    assertThat(more.events()).hasSize(2);
    assertThat(TestStream.<String>create().addAll(List.of(Timestamped.of("x", 4))).events())
        .containsExactly(new TestStream.Element<>("x", 4));
  }

  @Test
  void watermarksMustNotGoBackwards() {
    assertThatThrownBy(() -> TestStream.<String>create().advanceWatermarkTo(10).advanceWatermarkTo(9))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 after 10");
  }

  @Test
  void inABatchJobOnlyTheValuesFlow() {
    List<String> got = Pipeline.create("t").read(TestStream.<String>create().add("a", 1).advanceWatermarkTo(3).add("b", 2))
        .map(String::toUpperCase).collect(RunOptions.batch().withParallelism(2));
    assertThat(got).containsExactly("A", "B");
  }
}
