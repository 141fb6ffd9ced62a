package dev.sluice.core.stream.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import dev.sluice.core.stream.StreamInputs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnrichOperatorTest {

  private static EnrichOperator op() {
    return new EnrichOperator(new Op.Enrich(x -> x, x -> x));
  }

  private static Emitted out(Object key, Object l, Object r, long ts) {
    return new Emitted(KV.of(key, new Joined<>(l, r)), ts);
  }

  @Test
  void buffersTheStreamAndHoldsTheWatermarkUntilTheTableIsComplete() throws Exception {
    EnrichOperator op = op();
    OperatorDriver d = new OperatorDriver(op);
    d.element(1, "a", "A1", 0).element(0, "a", "s1", 10).watermark(5).element(1, "a", "A2", 0)
        .element(0, "z", "s2", 11).watermark(7);
    assertThat(d.output()).isEmpty();
    assertThat(d.emittedWatermarks()).isEmpty();
    assertThat(op.bufferedElements()).isEqualTo(2);
    op.endInput(1);
    assertThat(d.output()).containsExactly(out("a", "s1", "A1", 10), out("a", "s1", "A2", 10), out("z", "s2", null, 11));
    assertThat(d.emittedWatermarks()).containsExactly(7L);
    d.clearOutput().element(0, "a", "s3", 12).watermark(9);
    assertThat(d.output()).containsExactly(out("a", "s3", "A1", 12), out("a", "s3", "A2", 12));
    assertThat(d.emittedWatermarks()).containsExactly(9L);
  }

  @Test
  void matchesReference() throws Exception {
    StreamInputs.forEachSeed(60, 17, EnrichOperatorTest::referenceCase);
  }

  private static void referenceCase(long seed) throws Exception {
    Random r = new Random(seed);
    int keys = 1 + r.nextInt(10);
    int tableSize = r.nextInt(30);
    int streamSize = r.nextInt(200);
    List<Object[]> table = new ArrayList<>();
    for (int i = 0; i < tableSize; i++) {
      table.add(new Object[] {"k" + r.nextInt(keys), "row" + i});
    }
    List<Object[]> stream = new ArrayList<>();
    for (int i = 0; i < streamSize; i++) {
      stream.add(new Object[] {"k" + r.nextInt(keys + 2), "s" + i, (long) i});
    }
    EnrichOperator op = op();
    OperatorDriver d = new OperatorDriver(op);
    int ti = 0;
    int si = 0;
    boolean ended = false;
    long wm = Long.MIN_VALUE;
    List<Long> watermarksPushed = new ArrayList<>();
    while (si < stream.size() || !ended) {
      int choice = r.nextInt(4);
      if (choice == 0 && ti < table.size()) {
        d.element(1, table.get(ti)[0], table.get(ti)[1], Long.MIN_VALUE);
        ti++;
      } else if (choice == 1 && ti == table.size() && !ended) {
        op.endInput(1);
        ended = true;
        if (!watermarksPushed.isEmpty()) {
          assertThat(d.emittedWatermarks()).containsExactly(watermarksPushed.get(watermarksPushed.size() - 1));
        }
      } else if (choice == 2 && si > 0 && wm < (long) (Long) stream.get(si - 1)[2]) {
        wm = (Long) stream.get(si - 1)[2];
        d.watermark(wm);
        watermarksPushed.add(wm);
        if (!ended) {
          assertThat(d.emittedWatermarks()).isEmpty();
        }
      } else if (si < stream.size()) {
        Object[] s = stream.get(si++);
        d.element(0, s[0], s[1], (Long) s[2]);
      }
    }
    d.endInput(2);
    Map<Object, List<Object>> rows = new HashMap<>();
    for (Object[] t : table) {
      rows.computeIfAbsent(t[0], k -> new ArrayList<>()).add(t[1]);
    }
    List<Emitted> expected = new ArrayList<>();
    for (Object[] s : stream) {
      List<Object> match = rows.get(s[0]);
      if (match == null) {
        expected.add(out(s[0], s[1], null, (Long) s[2]));
      } else {
        for (Object m : match) {
          expected.add(out(s[0], s[1], m, (Long) s[2]));
        }
      }
    }
    assertThat(d.output()).containsExactlyElementsOf(expected);
    assertThat(op.bufferedElements()).isZero();
  }
}
