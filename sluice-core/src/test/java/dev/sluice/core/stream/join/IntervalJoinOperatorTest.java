package dev.sluice.core.stream.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorDriver;
import dev.sluice.core.stream.OperatorDriver.Emitted;
import dev.sluice.core.stream.StreamInputs;
import dev.sluice.core.stream.StreamInputs.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IntervalJoinOperatorTest {

  private static IntervalJoinOperator op(long lower, long upper) {
    return new IntervalJoinOperator(new Op.IntervalJoin(x -> x, x -> x, lower, upper));
  }

  private static Emitted pair(Object key, Object l, Object r, long ts) {
    return new Emitted(KV.of(key, new Joined<>(l, r)), ts);
  }

  @Test
  void boundsAreInclusiveAndOutputCarriesTheLaterTimestamp() throws Exception {
    OperatorDriver d = new OperatorDriver(op(-5, 10));
    d.element(1, "k", "r94", 94).element(1, "k", "r95", 95).element(1, "k", "r110", 110).element(1, "k", "r111", 111)
        .element(1, "other", "o100", 100);
    d.element(0, "k", "l100", 100);
    assertThat(d.output()).containsExactly(pair("k", "l100", "r95", 100), pair("k", "l100", "r110", 110));
  }

  @Test
  void leftIsKeptUntilTheWatermarkReachesItsTimePlusUpper() throws Exception {
    IntervalJoinOperator op = op(-5, 10);
    OperatorDriver d = new OperatorDriver(op).element(0, "k", "l100", 100);
    d.watermark(109); // a right at 110 may still come
    assertThat(op.bufferedElements(0)).isEqualTo(1);
    d.element(1, "k", "r110", 110);
    assertThat(d.output()).containsExactly(pair("k", "l100", "r110", 110));
    d.watermark(110); // no right > 110 can match: 100 <= 110 - 10
    assertThat(op.bufferedElements(0)).isZero();
  }

  @Test
  void rightIsKeptUntilTheWatermarkReachesItsTimeMinusLower() throws Exception {
    IntervalJoinOperator op = op(-5, 10);
    OperatorDriver d = new OperatorDriver(op).element(1, "k", "r120", 120);
    d.watermark(124); // a left at 125 joins rights in [120, 135]
    assertThat(op.bufferedElements(1)).isEqualTo(1);
    d.element(0, "k", "l125", 125);
    d.watermark(125); // lefts > 125 need rights > 120
    assertThat(op.bufferedElements(1)).isZero();
    assertThat(d.output()).containsExactly(pair("k", "l125", "r120", 125));
  }

  @Test
  void elementsAtOrBelowTheWatermarkAreLateAndCounted() throws Exception {
    OperatorDriver d = new OperatorDriver(op(0, 10)).element(1, "k", "r50", 50).watermark(40);
    d.element(0, "k", "l40", 40).element(1, "k", "r39", 39).element(0, "k", "l41", 41);
    assertThat(d.lateDropped()).containsExactly(new Emitted("l40", 40), new Emitted("r39", 39));
    assertThat(d.output()).containsExactly(pair("k", "l41", "r50", 50));
    assertThat(d.emittedWatermarks()).containsExactly(40L);
  }

  @Test
  void negativeUpperBoundMatchesButDoesNotBufferElementsPastTheHorizon() throws Exception {
    IntervalJoinOperator op = op(-20, -10);
    OperatorDriver d = new OperatorDriver(op).element(1, "k", "r85", 85).watermark(90);
    assertThat(op.bufferedElements(1)).isEqualTo(1); // 85 > 90 - 20: a left at 91..105 still needs it
    d.element(0, "k", "l95", 95); // on time; joins rights in [75, 85]; no right > 90 can match it
    assertThat(op.bufferedElements(0)).isZero();
    assertThat(d.output()).containsExactly(pair("k", "l95", "r85", 95));
  }

  @Test
  void matchesNestedLoopReference() throws Exception {
    StreamInputs.forEachSeed(60, 11, IntervalJoinOperatorTest::referenceCase);
  }

  private static void referenceCase(long seed) throws Exception {
    Random r = new Random(seed);
    long a = r.nextInt(81) - 40;
    long b = r.nextInt(81) - 40;
    long lower = Math.min(a, b);
    long upper = Math.max(a, b);
    List<Event> events = StreamInputs.events(r, r.nextInt(400), 2, 1 + r.nextInt(10), 1000);
    long bound = r.nextInt(60);
    IntervalJoinOperator op = op(lower, upper);
    OperatorDriver d = new OperatorDriver(op);
    StreamInputs.drive(d, StreamInputs.arrival(r, events, bound, 0.2));
    d.watermark(100_000);
    assertThat(op.bufferedElements(0) + op.bufferedElements(1)).as("state left after the final watermark").isZero();
    d.endInput(2);

    List<Emitted> expected = new ArrayList<>();
    for (Event l : events) {
      for (Event rt : events) {
        if (l.input() == 0 && rt.input() == 1 && l.key().equals(rt.key())
            && rt.timestamp() >= l.timestamp() + lower && rt.timestamp() <= l.timestamp() + upper) {
          expected.add(pair(l.key(), l.value(), rt.value(), Math.max(l.timestamp(), rt.timestamp())));
        }
      }
    }
    assertThat(d.lateDropped()).isEmpty();
    assertThat(d.output()).as("lower=%s upper=%s bound=%s", lower, upper, bound).containsExactlyInAnyOrderElementsOf(expected);
  }
}
