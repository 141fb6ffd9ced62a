package dev.sluice.examples.clickstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The generator's session ids are {@code "s"} and the base-36 index of the session's first click. */
class ClickGeneratorTest {
  @Test
  void sessionIdsAreTheBase36IndexOfTheFirstClick() {
    long[] edges = {0, 1, 9, 10, 35, 36, 37, 1295, 1296, Integer.MAX_VALUE, Long.MAX_VALUE / 36, Long.MAX_VALUE};
    for (long v : edges) {
      assertThat(ClickGenerator.sessionId(v)).isEqualTo("s" + Long.toString(v, 36));
    }
    Random rnd = new Random(11);
    for (int i = 0; i < 10_000; i++) {
      long v = (rnd.nextLong() >>> 1) >>> rnd.nextInt(63); // indices are never negative
      assertThat(ClickGenerator.sessionId(v)).as("%d", v).isEqualTo("s" + Long.toString(v, 36));
    }
  }

  @Test
  void aClickNamesItsSessionByItsFirstClick() {
    ClickGenerator gen = new ClickGenerator(42);
    for (long i = 0; i < 20_000; i += 7) {
      String id = gen.apply(i).sessionId();
      long first = Long.parseLong(id.substring(1), 36);
      assertThat(first).isLessThanOrEqualTo(i);
      assertThat(gen.apply(first).sessionId()).isEqualTo(id); // the first click belongs to its own session
    }
  }
}
