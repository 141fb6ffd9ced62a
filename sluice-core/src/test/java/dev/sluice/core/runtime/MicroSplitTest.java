package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.SplitReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator/reader handshake of micro-batch mode. */
class MicroSplitTest {

  /** A reader whose input grows when the test says so; records what the handshake asked of it. */
  static final class GrowingReader implements SplitReader<Long> {
    long offset;
    long available;
    String detail;
    final List<String> until = new ArrayList<>();

    @Override public boolean read(Collector<? super Long> out) {
      return true;
    }

    @Override public String position() {
      return "offset " + offset;
    }

    @Override public long offset() {
      return offset;
    }

    @Override public long availableEnd() {
      return available;
    }

    @Override public String availableDetail() {
      return detail;
    }

    @Override public void close() {}

    @Override public void readUntil(long end, String d) {
      until.add(end + " " + d);
    }
  }

  @Test
  void aSecondAskForTheSameBatchIsAnsweredAnew() throws Exception {
    MicroSplit m = new MicroSplit(0, 0);
    GrowingReader r = new GrowingReader();
    long q1 = m.ask();
    assertThat(m.answered(q1)).isFalse();
    assertThat(m.poll(r, 0)).isEqualTo(MicroSplit.WAIT);
    assertThat(m.answered(q1)).isTrue();
    assertThat(m.available()).isZero(); // nothing yet: the coordinator plans no batch and asks again
    r.available = 10;
    r.detail = "d10";
    long q2 = m.ask();
    assertThat(q2).isGreaterThan(q1);
    assertThat(m.answered(q2)).isFalse(); // the earlier answer does not count
    m.poll(r, 0);
    assertThat(m.answered(q2)).isTrue();
    assertThat(m.available()).isEqualTo(10);
    assertThat(m.detail()).isEqualTo("d10");
    m.plan(1, 10, m.detail());
    assertThat(m.poll(r, 0)).isEqualTo(MicroSplit.READ);
    assertThat(r.until).containsExactly("10 d10");
    r.offset = 10;
    assertThat(m.poll(r, 0)).isEqualTo(1); // end reached: barrier 1 is due
    assertThat(m.poll(r, 1)).isEqualTo(MicroSplit.WAIT);
  }
}
