package dev.sluice.core.stream.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One producer and one consumer thread hammer a small channel: nothing lost, reordered or over capacity. */
class ChannelStressTest {
  @Test
  void deliversEveryRecordInOrderWithinCapacityWhileRecyclingBatches() throws Exception {
    Channel ch = new Channel(4, 8, true);
    long total = 500_000;
    AtomicReference<Throwable> error = new AtomicReference<>();
    Thread producer = new Thread(() -> {
      long next = 0;
      Batch b = null;
      while (next < total) {
        if (b == null) {
          b = ch.obtain();
          assertThat(b.size).isZero();
        }
        int n = (int) Math.min(b.capacity(), 1 + (next % b.capacity()));
        while (b.size < n && next < total) {
          b.records[b.size] = next;
          b.keys[b.size] = next;
          b.timestamps[b.size++] = next++;
        }
        while (!ch.offer(b)) {
          Thread.onSpinWait();
        }
        b = null;
        if (next % 1000 < 8) {
          while (!ch.offer(Control.watermark(next))) {
            Thread.onSpinWait();
          }
        }
      }
      while (!ch.offer(Control.END)) {
        Thread.onSpinWait();
      }
    }, "channel-stress-producer");
    producer.setUncaughtExceptionHandler((t, e) -> error.set(e));
    producer.start();
    long expected = 0;
    long lastWatermark = Long.MIN_VALUE;
    while (true) {
      assertThat(ch.bufferedRecords()).isLessThanOrEqualTo(ch.recordCapacity());
      Object item = ch.poll();
      if (item == null) {
        Thread.onSpinWait();
        continue;
      }
      if (item instanceof Batch b) {
        for (int i = 0; i < b.size; i++) {
          assertThat(b.records[i]).isEqualTo(expected);
          assertThat(b.keys[i]).isEqualTo(expected);
          assertThat(b.timestamps[i]).isEqualTo(expected);
          expected++;
        }
        ch.recycle(b);
      } else {
        Control c = (Control) item;
        if (c.kind() == Control.Kind.END) {
          break;
        }
        assertThat(c.watermark()).isGreaterThanOrEqualTo(lastWatermark).isLessThanOrEqualTo(expected);
        lastWatermark = c.watermark();
      }
    }
    producer.join();
    assertThat(error.get()).isNull();
    assertThat(expected).isEqualTo(total);
    assertThat(ch.maxBufferedRecords()).isLessThanOrEqualTo(ch.recordCapacity());
    assertThat(ch.bufferedRecords()).isZero();
  }

  @Test
  void histogramQuantilesAreWithinItsPrecision() {
    LatencyHistogram h = new LatencyHistogram();
    for (int ms = 1; ms <= 100; ms++) {
      h.recordNanos(ms * 1_000_000L, 1);
    }
    assertThat(h.count()).isEqualTo(100);
    assertThat(h.quantileMs(0.5)).isBetween(49.0, 51.5);
    assertThat(h.quantileMs(0.99)).isBetween(98.0, 101.0);
    assertThat(new LatencyHistogram().quantileMs(0.5)).isNaN();
  }
}
