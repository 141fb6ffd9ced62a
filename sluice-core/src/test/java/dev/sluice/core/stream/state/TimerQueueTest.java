package dev.sluice.core.stream.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TimerQueue} against a plain list of (time, key) in registration order: polled earliest
 * time first, keys of one time in registration order, at most one timer per key and time.
 */
class TimerQueueTest {
  private record Timer(long time, Object key) {}

  @Test
  void behavesLikeAListInRegistrationOrderPolledByTime() {
    for (long seed = 1; seed <= 50; seed++) {
      Random rnd = new Random(seed);
      int times = 1 + rnd.nextInt(seed % 2 == 0 ? 3 : 40); // few times: long runs that share one
      int keys = 1 + rnd.nextInt(60);
      TimerQueue q = new TimerQueue();
      List<Timer> model = new ArrayList<>();
      long watermark = 0;
      for (int op = 0; op < 5_000; op++) {
        long time = watermark + rnd.nextInt(times);
        Object key = "k" + rnd.nextInt(keys); // equal keys, distinct instances
        int what = rnd.nextInt(100);
        if (what < 50) {
          Timer t = new Timer(time, key);
          boolean expected = !model.contains(t);
          if (expected) {
            model.add(t);
          }
          assertThat(q.add(key, time)).as("seed %d add %s", seed, t).isEqualTo(expected);
        } else if (what < 65) {
          boolean expected = model.remove(new Timer(time, key));
          assertThat(q.delete(key, time)).as("seed %d delete", seed).isEqualTo(expected);
        } else if (what < 75) {
          assertThat(q.contains(key, time)).isEqualTo(model.contains(new Timer(time, key)));
        } else if (what < 95) {
          long limit = watermark + rnd.nextInt(times + 1) - 1;
          Timer due = null;
          for (Timer t : model) {
            if (t.time() <= limit && (due == null || t.time() < due.time())) {
              due = t;
            }
          }
          assertThat(q.pollDue(limit)).as("seed %d poll up to %d", seed, limit).isEqualTo(due != null);
          if (due != null) {
            model.remove(due);
            assertThat(new Timer(q.polledTime(), q.polledKey())).isEqualTo(due);
          }
        } else if (what < 99) {
          watermark += rnd.nextInt(3);
        } else {
          q.clear();
          model.clear();
        }
        assertThat(q.size()).isEqualTo(model.size());
        long earliest = model.stream().mapToLong(Timer::time).min().orElse(Long.MAX_VALUE);
        assertThat(q.earliest()).isEqualTo(earliest);
      }
    }
  }
}
