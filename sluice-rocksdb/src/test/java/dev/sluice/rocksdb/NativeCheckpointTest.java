package dev.sluice.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Aggregations;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native (file) checkpoints: incremental file reuse, restore of the same range, restore into two partitions. */
class NativeCheckpointTest {
  private static final int MAX = KeyGroups.DEFAULT_MAX;

  @TempDir
  Path tmp;

  private final Serde serde = new Serde(Map.of(), Set.of());
  private final List<RocksDbKeyedStateBackend> open = new ArrayList<>();

  @AfterEach
  void close() {
    open.forEach(RocksDbKeyedStateBackend::close);
  }

  private RocksDbKeyedStateBackend backend(KeyGroupRange range) {
    RocksDbKeyedStateBackend b = new RocksDbKeyedStateBackend("native", MAX, range, () -> 0, serde, tmp.resolve("work"));
    open.add(b);
    return b;
  }

  private RocksDbKeyedStateBackend restore(KeyGroupRange range, List<NativeCheckpoint> cps) {
    RocksDbKeyedStateBackend b = RocksDbKeyedStateBackend.restoreNative("native", MAX, range, () -> 0, serde,
        tmp.resolve("work"), cps);
    open.add(b);
    return b;
  }

  private static void fill(RocksDbKeyedStateBackend b, int from, int to) throws Exception {
    ValueState<String> value = b.state(StateSpec.value("value"));
    ListState<Integer> list = b.state(StateSpec.list("list"));
    MapState<String, Integer> map = b.state(StateSpec.map("map"));
    AggregatingState<Object, Long> count = b.state(StateSpec.aggregating("count", Aggregations.count()));
    for (int k = from; k < to; k++) {
      b.setCurrentKey(k);
      value.update("v" + k);
      list.add(k);
      list.add(-k);
      map.put("m" + (k % 3), k);
      count.add(k);
      b.registerTimer(TimeDomain.EVENT_TIME, 1000 + k);
    }
    b.clearCurrentKey();
  }

  @Test
  void laterCheckpointsWriteOnlyNewFilesAndRestoreTheSameState() throws Exception {
    RocksDbKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
    Path shared = tmp.resolve("chk/shared");
    fill(b, 0, 3000);
    NativeCheckpoint c1 = b.checkpointIncremental(tmp.resolve("chk/1/task-0"), shared);
    assertThat(c1.sharedFiles()).isNotEmpty();
    assertThat(c1.bytesReused()).isZero();
    NativeCheckpoint c2 = b.checkpointIncremental(tmp.resolve("chk/2/task-0"), shared);
    assertThat(c2.sharedFiles()).isEqualTo(c1.sharedFiles()); // nothing new: every SST file reused
    assertThat(c2.bytesReused()).isPositive();
    fill(b, 3000, 4000);
    NativeCheckpoint c3 = b.checkpointIncremental(tmp.resolve("chk/3/task-0"), shared);
    Set<String> newFiles = new HashSet<>(c3.sharedFiles());
    newFiles.removeAll(c1.sharedFiles());
    assertThat(newFiles).isNotEmpty();
    assertThat(c3.sharedFiles()).containsAnyElementsOf(c1.sharedFiles());
    assertThat(c3.bytesReused()).isPositive();

    KeyedStateSnapshot expected = b.snapshot();
    // Through the job's serializer, as the checkpoint metadata will be.
    NativeCheckpoint copied = (NativeCheckpoint) serde.fromBytes(serde.toBytes(c3));
    RocksDbKeyedStateBackend r = restore(KeyGroupRange.all(MAX), List.of(copied));
    assertThat(canonical(r.snapshot())).isEqualTo(canonical(expected)); // before the states are registered
    ValueState<String> value = r.state(StateSpec.value("value"));
    r.setCurrentKey(3999);
    assertThat(value.value()).isEqualTo("v3999");
    assertThat(r.hasTimer(TimeDomain.EVENT_TIME, 3999, 4999)).isTrue();
    assertThat(canonical(r.snapshot())).isEqualTo(canonical(expected));

    // The restored instance reuses the files it was restored from.
    NativeCheckpoint c4 = r.checkpointIncremental(tmp.resolve("chk/4/task-0"), shared);
    assertThat(c4.sharedFiles()).containsAnyElementsOf(c3.sharedFiles()); // a compaction after opening may replace some
    assertThat(c4.bytesReused()).isPositive();
  }

  @Test
  void restoresIntoTwoPartitionsAndBackIntoOne() throws Exception {
    RocksDbKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
    fill(b, 0, 2000);
    Path shared = tmp.resolve("chk/shared");
    NativeCheckpoint c = b.checkpointIncremental(tmp.resolve("chk/1/task-0"), shared);
    KeyedStateSnapshot expected = b.snapshot();
    RocksDbKeyedStateBackend p0 = restore(KeyGroupRange.ofPartition(0, MAX, 2), List.of(c));
    RocksDbKeyedStateBackend p1 = restore(KeyGroupRange.ofPartition(1, MAX, 2), List.of(c));
    assertThat(p0.size("value") + p1.size("value")).isEqualTo(2000);
    assertThat(p0.size("value")).isPositive();
    ListState<Integer> list = p1.state(StateSpec.list("list"));
    int k = 0;
    while (KeyGroups.partitionOfKey(k, MAX, 2) != 1) {
      k++;
    }
    p1.setCurrentKey(k);
    assertThat(list.get()).containsExactly(k, -k);

    NativeCheckpoint h0 = p0.checkpointIncremental(tmp.resolve("chk/2/task-0"), shared);
    NativeCheckpoint h1 = p1.checkpointIncremental(tmp.resolve("chk/2/task-1"), shared);
    RocksDbKeyedStateBackend back = restore(KeyGroupRange.all(MAX), List.of(h0, h1));
    assertThat(canonical(back.snapshot())).isEqualTo(canonical(expected));
  }

  @Test
  void aCheckpointOfAnotherKeyGroupCountIsRefused() throws Exception {
    RocksDbKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
    fill(b, 0, 10);
    NativeCheckpoint c = b.checkpointIncremental(tmp.resolve("chk/1/task-0"), tmp.resolve("chk/shared"));
    assertThatThrownBy(() -> RocksDbKeyedStateBackend.restoreNative("x", 64, KeyGroupRange.all(64), () -> 0, serde,
        tmp.resolve("work"), List.of(c))).hasMessageContaining("number of key groups must not change");
  }

  private static List<String> canonical(KeyedStateSnapshot s) {
    List<String> out = new ArrayList<>();
    for (KeyedStateSnapshot.KeyGroupState g : s.groups()) {
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        Object v = e.value() instanceof long[] a ? Arrays.toString(a)
            : e.value() instanceof Map<?, ?> m ? new TreeMap<>(m) : e.value();
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
