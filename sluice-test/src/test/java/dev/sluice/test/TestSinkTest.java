package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TestSinkTest {
  @Test
  void recordsAreVisibleAtOnceInPartitionOrderAndAbortedAttemptsWithdrawn() throws Exception {
    TestSink<String> sink = new TestSink<>("t");
    SinkWriter<String> p1 = sink.writer(new WriterContext(1, 2, 0));
    SinkWriter<String> p0 = sink.writer(new WriterContext(0, 2, 0));
    p1.write("x");
    p0.write("a");
    p0.write("b");
    assertThat(sink.values()).containsExactly("a", "b", "x");
    p1.abort();
    SinkWriter<String> retry = sink.writer(new WriterContext(1, 2, 1));
    retry.write("x");
    assertThat(sink.values()).containsExactly("a", "b", "x");
    sink.assertValues("a", "b", "x").assertValuesInAnyOrder("x", "b", "a");
    assertThatThrownBy(() -> sink.assertValues("a", "x", "b")).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> sink.assertValuesInAnyOrder("a", "b")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("unexpected: [x]");
  }

  @Test
  void awaitCountReturnsOnceEnoughArrivedAndFailsClearlyOtherwise() throws Exception {
    TestSink<Integer> sink = new TestSink<>("t");
    SinkWriter<Integer> w = sink.writer(new WriterContext(0, 1, 0));
    Thread writer = new Thread(() -> {
      for (int i = 0; i < 5; i++) {
        try {
          w.write(i);
        } catch (java.io.IOException e) {
          throw new RuntimeException(e);
        }
      }
    });
    writer.start();
    assertThat(sink.awaitCount(5, Duration.ofSeconds(60))).containsExactly(0, 1, 2, 3, 4);
    writer.join();
    assertThatThrownBy(() -> sink.awaitCount(6, Duration.ZERO)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected at least 6").hasMessageContaining("got 5");
  }

  @Test
  void virtualClockMovesOnlyForward() {
    VirtualClock c = new VirtualClock(100);
    assertThat(c.instant()).isEqualTo(Instant.ofEpochMilli(100));
    assertThat(c.advance(Duration.ofMillis(50))).isEqualTo(150);
    c.set(200);
    assertThat(c.millis()).isEqualTo(200);
    assertThatThrownBy(() -> c.set(199)).hasMessageContaining("backwards");
    assertThatThrownBy(() -> c.advance(Duration.ofMillis(-1))).hasMessageContaining("backwards");
  }
}
