package dev.sluice.core.stream.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.codec.Serde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Incremental snapshots of the heap backend ({@link HeapKeyedStateBackend#snapshotIncremental}):
 * the parts of every completed checkpoint, written and read back through the job's serializer and
 * folded, equal a full snapshot taken at the same moment, whatever the operations, the failed
 * checkpoints in between and the restores.
 */
class HeapIncrementalSnapshotTest {
  private static final int MAX = 128;
  private final long[] clock = {0};
  private final Serde serde = new Serde(Map.of(), Set.of());
  /** The "shared directory": every part written, by name. */
  private final Map<String, byte[]> shared = new HashMap<>();

  private HeapKeyedStateBackend backend() {
    return new HeapKeyedStateBackend(MAX, KeyGroupRange.all(MAX), () -> clock[0]);
  }

  /** Writes the part as the checkpoint runtime does; returns the names of all parts of the snapshot. */
  private List<String> write(KeyedStateSnapshot snap) {
    KeyedStateSnapshot.Part part = (KeyedStateSnapshot.Part) snap.groups();
    shared.put(part.name(), serde.toBytes(snap));
    snap.release();
    List<String> names = new ArrayList<>(part.base());
    names.add(part.name());
    return names;
  }

  private KeyedStateSnapshot read(List<String> names) {
    List<KeyedStateSnapshot> parts = new ArrayList<>();
    for (String n : names) {
      assertThat(shared).as("part %s", n).containsKey(n);
      parts.add((KeyedStateSnapshot) serde.fromBytes(shared.get(n)));
    }
    return KeyedStateSnapshot.fold(parts);
  }

  @Test
  void foldedPartsOfEveryCompletedCheckpointEqualAFullSnapshot() {
    for (long seed = 1; seed <= 8; seed++) {
      Random rnd = new Random(seed);
      HeapKeyedStateBackend b = backend();
      int fulls = 0;
      int deltas = 0;
      long id = 0;
      for (int round = 0; round < 60; round++) {
        operate(b, rnd, 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 400));
        KeyedStateSnapshot expected = b.snapshot();
        List<String> expectedText = canonical(expected, clock[0]);
        expected.release();
        KeyedStateSnapshot snap = b.snapshotIncremental(++id);
        boolean full = ((KeyedStateSnapshot.Part) snap.groups()).base().isEmpty();
        List<String> names = write(snap);
        assertThat(names.size()).isLessThanOrEqualTo(HeapKeyedStateBackend.MAX_CHAIN + 1);
        if (rnd.nextInt(6) == 0) {
          continue; // this checkpoint fails: its changes must show in the next delta
        }
        b.checkpointComplete(id);
        if (full) {
          fulls++;
        } else {
          deltas++;
        }
        KeyedStateSnapshot folded = read(names);
        assertThat(canonical(folded, clock[0])).as("seed %s checkpoint %s (%s parts)", seed, id, names.size())
            .isEqualTo(expectedText);
        if (rnd.nextInt(15) == 0) {
          // a restart: the restored backend goes on; its next snapshot is full
          HeapKeyedStateBackend next = backend();
          next.restore(folded);
          assertThat(canonical(next.snapshot(), clock[0])).isEqualTo(expectedText);
          b = next;
          assertThat(b.chain()).isEmpty();
        }
      }
      assertThat(deltas).as("seed %s: deltas", seed).isGreaterThan(fulls);
    }
  }

  @Test
  void aDeltaHoldsTheChangedAndRemovedKeysOnly() {
    HeapKeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.value("v"));
    for (int k = 0; k < 1000; k++) {
      b.setCurrentKey(k);
      v.update("a" + k);
    }
    KeyedStateSnapshot first = b.snapshotIncremental(1);
    assertThat(first.entryCount()).isEqualTo(1000);
    List<String> firstNames = write(first);
    b.checkpointComplete(1);
    for (int k = 0; k < 10; k++) {
      b.setCurrentKey(k);
      v.update("b" + k);
    }
    for (int k = 10; k < 15; k++) {
      b.setCurrentKey(k);
      v.clear();
    }
    b.setCurrentKey(20);
    v.value(); // a read is no change
    KeyedStateSnapshot delta = b.snapshotIncremental(2);
    assertThat(((KeyedStateSnapshot.Part) delta.groups()).base()).isEqualTo(firstNames);
    assertThat(delta.entryCount()).isEqualTo(15);
    long removed = delta.groups().stream().flatMap(g -> g.entries().stream())
        .filter(e -> e.value() == KeyedStateSnapshot.Removed.REMOVED).count();
    assertThat(removed).isEqualTo(5);
    List<String> names = write(delta);
    b.checkpointComplete(2);
    KeyedStateSnapshot folded = read(names);
    assertThat(folded.entryCount()).isEqualTo(995);
    HeapKeyedStateBackend restored = backend();
    restored.restore(folded);
    ValueState<String> rv = restored.state(StateSpec.value("v"));
    restored.setCurrentKey(3);
    assertThat(rv.value()).isEqualTo("b3");
    restored.setCurrentKey(12);
    assertThat(rv.value()).isNull();
    restored.setCurrentKey(500);
    assertThat(rv.value()).isEqualTo("a500");
  }

  @Test
  void aFailedCheckpointsChangesGoIntoTheNextDeltaAndTheChainIsBounded() {
    HeapKeyedStateBackend b = backend();
    ValueState<Integer> v = b.state(StateSpec.value("v"));
    for (int k = 0; k < 100; k++) {
      b.setCurrentKey(k);
      v.update(0);
    }
    List<String> base = write(b.snapshotIncremental(1));
    b.checkpointComplete(1);
    b.setCurrentKey(1);
    v.update(1);
    write(b.snapshotIncremental(2)); // checkpoint 2 fails: never completed
    b.setCurrentKey(2);
    v.update(2);
    KeyedStateSnapshot third = b.snapshotIncremental(3);
    assertThat(((KeyedStateSnapshot.Part) third.groups()).base()).isEqualTo(base);
    assertThat(third.entryCount()).as("keys 1 and 2").isEqualTo(2);
    write(third);
    b.checkpointComplete(0); // a checkpoint this backend took no snapshot for changes nothing
    assertThat(b.chain()).isEqualTo(base);
    b.checkpointComplete(3);
    assertThat(b.chain()).hasSize(2);
    assertThat(b.chain().get(0)).isEqualTo(base.get(0));
    assertThat(b.chain().get(1)).startsWith("heap-3-");

    // Deltas build up to MAX_CHAIN parts; the next snapshot is full again.
    long id = 3;
    while (b.chain().size() < HeapKeyedStateBackend.MAX_CHAIN) {
      b.setCurrentKey((int) id);
      v.update((int) id);
      write(b.snapshotIncremental(++id));
      b.checkpointComplete(id);
    }
    b.setCurrentKey(0);
    v.update(-1);
    KeyedStateSnapshot full = b.snapshotIncremental(++id);
    assertThat(((KeyedStateSnapshot.Part) full.groups()).base()).isEmpty();
    assertThat(full.entryCount()).isEqualTo(100);
    write(full);
    b.checkpointComplete(id);
    assertThat(b.chain()).hasSize(1);
  }

  @Test
  void listAndMapStateHandedOutForIterationCountAsChanged() {
    HeapKeyedStateBackend b = backend();
    ListState<String> l = b.state(StateSpec.list("l"));
    MapState<String, Integer> m = b.state(StateSpec.map("m"));
    b.setCurrentKey("k");
    l.add("a");
    m.put("x", 1);
    m.put("y", 2);
    write(b.snapshotIncremental(1));
    b.checkpointComplete(1);
    b.setCurrentKey("k");
    var it = m.entries().iterator();
    while (it.hasNext()) {
      if (it.next().getKey().equals("x")) {
        it.remove(); // through the view, not through put/remove
      }
    }
    List<String> names = write(b.snapshotIncremental(2));
    b.checkpointComplete(2);
    HeapKeyedStateBackend restored = backend();
    restored.restore(read(names));
    MapState<String, Integer> rm = restored.state(StateSpec.map("m"));
    restored.setCurrentKey("k");
    assertThat(rm.contains("x")).isFalse();
    assertThat(rm.get("y")).isEqualTo(2);
  }

  /** Random writes, removals and timers over a few hundred keys, with a TTL state and a moving clock. */
  private void operate(HeapKeyedStateBackend b, Random rnd, int ops) {
    ValueState<String> value = b.state(StateSpec.value("value"));
    ValueState<String> ttl = b.state(StateSpec.<String>value("ttl").withTtl(Duration.ofMillis(50)));
    ListState<Integer> list = b.state(StateSpec.list("list"));
    MapState<Integer, String> map = b.state(StateSpec.map("map"));
    for (int i = 0; i < ops; i++) {
      b.setCurrentKey("k" + rnd.nextInt(300));
      switch (rnd.nextInt(10)) {
        case 0, 1 -> value.update("v" + rnd.nextInt(1000));
        case 2 -> value.clear();
        case 3 -> ttl.update("t" + rnd.nextInt(1000));
        case 4 -> list.add(rnd.nextInt(100));
        case 5 -> list.clear();
        case 6 -> map.put(rnd.nextInt(5), "m" + rnd.nextInt(100));
        case 7 -> map.remove(rnd.nextInt(5));
        case 8 -> b.registerTimer(TimeDomain.EVENT_TIME, rnd.nextInt(10_000));
        default -> b.deleteTimer(TimeDomain.EVENT_TIME, rnd.nextInt(10_000));
      }
      if (rnd.nextInt(50) == 0) {
        clock[0] += rnd.nextInt(30);
      }
    }
    if (rnd.nextInt(5) == 0) {
      b.removeExpired();
    }
    if (rnd.nextInt(4) == 0) { // fire the earliest timers (a fired timer is gone)
      long limit = rnd.nextInt(10_000);
      for (int fired = 0; fired < 20 && b.pollTimer(TimeDomain.EVENT_TIME, limit); fired++) {
        if (rnd.nextBoolean()) {
          b.registerTimer(TimeDomain.EVENT_TIME, limit + 1 + rnd.nextInt(500)); // the key sets its next one
        }
      }
    }
    if (rnd.nextInt(8) == 0) {
      b.setCurrentKey("k" + rnd.nextInt(300));
      b.registerTimer(TimeDomain.PROCESSING_TIME, rnd.nextInt(10_000));
    }
  }

  /**
   * A snapshot as sorted text, without values whose TTL has run out at {@code now} (a delta leaves
   * an expired value that was not touched since in place; it reads as absent all the same).
   */
  private static List<String> canonical(KeyedStateSnapshot s, long now) {
    List<String> out = new ArrayList<>();
    for (KeyedStateSnapshot.KeyGroupState g : s.groups()) {
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        if (e.state().equals("ttl") && now - e.writtenAt() >= 50) {
          continue;
        }
        Object v = e.value() instanceof Map<?, ?> m ? new TreeMap<>(m) : e.value();
        out.add(g.keyGroup() + " " + e.state() + " " + e.key() + " " + v + " " + e.writtenAt());
      }
      for (KeyedStateSnapshot.TimerEntry t : g.timers()) {
        out.add(g.keyGroup() + " timer " + t);
      }
    }
    out.sort(null);
    return out;
  }
}
