package dev.sluice.core.stream.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The consumer side of {@link Channel#awaitItem}: a consumer that parks with a timeout far longer
 * than the test's bound must still get every item, so a lost wake-up (the consumer parks just after
 * the producer looked for a waiter) makes the test run into its preemptive bound and fail instead of
 * passing late. The producer pauses for seeded random short periods, so the consumer parks (and is
 * unparked) again and again at every point of an offer.
 */
class ChannelWakeupTest {
  private static final long NEVER_NANOS = Duration.ofSeconds(30).toNanos();

  @Test
  void parkedConsumerGetsEveryItemInOrderAcrossManyRounds() {
    long seed = 20261130L;
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      Random random = new Random(seed);
      for (int round = 0; round < 40; round++) {
        int capacity = 1 << random.nextInt(4); // 1..8: the producer also meets a full ring
        runRound(new Channel(capacity, 4, false, true), 500 + random.nextInt(500), random.nextLong());
      }
    }, "a parked consumer missed a wake-up (seed " + seed + ")");
  }

  private static void runRound(Channel ch, int items, long seed) throws Exception {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Thread producer = new Thread(() -> {
      Random random = new Random(seed);
      for (int i = 0; i < items; i++) {
        Object item;
        if (i % 50 == 49) {
          item = Control.barrier(i, null);
        } else {
          Batch b = ch.obtain();
          b.records[0] = i;
          b.timestamps[0] = i;
          b.size = 1;
          item = b;
        }
        while (!ch.offer(item)) {
          Thread.onSpinWait();
        }
        pause(random);
      }
      while (!ch.offer(Control.END)) {
        Thread.onSpinWait();
      }
    }, "channel-wakeup-producer");
    producer.setUncaughtExceptionHandler((t, e) -> error.set(e));
    producer.start();
    int expected = 0;
    int parks = 0;
    while (true) {
      Object item = ch.poll();
      if (item == null) {
        ch.awaitItem(NEVER_NANOS, () -> false);
        parks++;
        continue;
      }
      if (item instanceof Batch b) {
        assertThat(b.size).isEqualTo(1);
        assertThat(b.records[0]).isEqualTo(expected);
        ch.recycle(b);
      } else if (((Control) item).kind() == Control.Kind.BARRIER) {
        assertThat(((Control) item).checkpointId()).isEqualTo(expected);
      } else {
        assertThat(((Control) item).kind()).isEqualTo(Control.Kind.END);
        break;
      }
      expected++;
    }
    producer.join();
    assertThat(error.get()).isNull();
    assertThat(expected).isEqualTo(items);
    assertThat(parks).isPositive(); // the round did exercise the wait
    assertThat(ch.isEmpty()).isTrue();
  }

  /** No pause, a few spins, a yield or a short park: wake-ups race with offers at every point. */
  private static void pause(Random random) {
    switch (random.nextInt(4)) {
      case 0 -> { }
      case 1 -> {
        for (int s = random.nextInt(200); s > 0; s--) {
          Thread.onSpinWait();
        }
      }
      case 2 -> Thread.yield();
      default -> LockSupport.parkNanos(1_000 + random.nextInt(50_000));
    }
  }

  @Test
  void stopConditionSetByAnotherThreadWakesTheParkedConsumer() {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int round = 0; round < 200; round++) {
        Channel ch = new Channel(4, 4, false, true);
        AtomicBoolean stop = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
          LockSupport.parkNanos(20_000);
          stop.set(true);
          ch.wakeConsumer();
        }, "channel-wakeup-stopper");
        stopper.start();
        while (!stop.get()) {
          ch.awaitItem(NEVER_NANOS, stop::get);
        }
        stopper.join();
        assertThat(ch.poll()).isNull();
      }
    }, "a consumer parked with an empty ring missed the stop signal");
  }

  @Test
  void awaitingOnAChannelWithoutWakeupsIsRefused() {
    Channel ch = new Channel(4, 4, false);
    assertThatThrownBy(() -> ch.awaitItem(NEVER_NANOS, () -> false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("signalConsumer");
  }
}
