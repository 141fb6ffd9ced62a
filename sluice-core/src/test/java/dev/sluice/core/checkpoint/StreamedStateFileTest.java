package dev.sluice.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Aggregations;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.keyed.KeyedProcessOperator;
import dev.sluice.core.stream.state.HeapKeyedStateBackend;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateBackend;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State files version 2: heap snapshots (copy-on-write, lazy per key group) streamed into a
 * checksummed file and read back as a stream; damage detection; version 1 still read; later
 * writes never leak into a snapshot serialized on another thread.
 */
class StreamedStateFileTest {
  private static final int MAX = KeyGroups.DEFAULT_MAX;
  private static final long SEED = Long.getLong("sluice.test.seed", System.nanoTime());

  @TempDir Path temp;

  private final long[] clock = {1_000};

  private HeapKeyedStateBackend backend(KeyGroupRange range) {
    return new HeapKeyedStateBackend(MAX, range, () -> clock[0]);
  }

  /** Every state kind; "ttl" expires after 50 ms of the virtual clock. */
  private record Handles(ValueState<Object> value, ListState<Object> list, MapState<Object, Object> map,
                         ReducingState<Long> reducing, AggregatingState<Long, Long> sum,
                         ValueState<Object> ttl) {
    static Handles of(KeyedStateBackend b) {
      return new Handles(b.state(StateSpec.value("value")), b.state(StateSpec.list("list")),
          b.state(StateSpec.map("map")), b.state(StateSpec.reducing("reducing", Long::sum)),
          b.state(StateSpec.aggregating("sum", Aggregations.sumLong(x -> x))),
          b.state(StateSpec.<Object>value("ttl").withTtl(Duration.ofMillis(50))));
    }
  }

  private static Object randomValue(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> r.nextLong();
      case 1 -> "s" + r.nextInt(1000);
      case 2 -> {
        byte[] b = new byte[r.nextInt(40)];
        r.nextBytes(b);
        yield b;
      }
      case 3 -> new long[] {r.nextLong(), r.nextInt(10)};
      default -> new ArrayList<>(List.of(r.nextInt(10), "x" + r.nextInt(5)));
    };
  }

  /** One random operation of any kind on a random key. */
  private static void randomOp(KeyedStateBackend b, Handles h, Random r, int keys) throws Exception {
    Object key = r.nextInt(3) == 0 ? (Object) ("k" + r.nextInt(keys)) : (Object) (long) r.nextInt(keys);
    b.setCurrentKey(key);
    switch (r.nextInt(14)) {
      case 0, 1 -> h.value().update(randomValue(r));
      case 2 -> {
        Object v = h.value().value(); // a user mutating what it read, in place, then writing it back
        if (v instanceof byte[] a && a.length > 0) {
          a[0]++;
          h.value().update(a);
        } else if (v instanceof long[] a) {
          a[0]++;
          h.value().update(a);
        }
      }
      case 3, 4 -> h.list().add(randomValue(r));
      case 5 -> h.map().put(r.nextInt(5), randomValue(r));
      case 6 -> h.map().remove(r.nextInt(5));
      case 7 -> h.reducing().add((long) r.nextInt(100));
      case 8, 9 -> h.sum().add((long) r.nextInt(100)); // mutates its long[] accumulator in place
      case 10 -> h.ttl().update(randomValue(r));
      case 11 -> b.registerTimer(r.nextBoolean() ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME, r.nextInt(50));
      case 12 -> b.deleteTimer(TimeDomain.EVENT_TIME, r.nextInt(50));
      default -> (r.nextBoolean() ? h.list() : h.value()).clear();
    }
    b.clearCurrentKey();
  }

  /** A snapshot as comparable text: group -> sorted "state key = value @ writtenAt" and timers (arrays by content). */
  static Map<Integer, List<String>> normalize(KeyedStateSnapshot s) {
    Map<Integer, List<String>> out = new TreeMap<>();
    for (KeyedStateSnapshot.KeyGroupState g : s.groups()) {
      List<String> lines = new ArrayList<>();
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        lines.add(e.state() + " " + e.key() + " = " + text(e.value()) + " @" + e.writtenAt());
      }
      for (KeyedStateSnapshot.TimerEntry t : g.timers()) {
        lines.add("timer " + t.domain() + " " + t.key() + " " + t.time());
      }
      lines.sort(null);
      out.put(g.keyGroup(), lines);
    }
    return out;
  }

  private static String text(Object v) {
    if (v instanceof Object[] a) {
      return Arrays.deepToString(a);
    }
    if (v instanceof byte[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof long[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof List<?> l) {
      List<String> t = new ArrayList<>();
      for (Object o : l) {
        t.add(text(o));
      }
      return t.toString();
    }
    if (v instanceof Map<?, ?> m) {
      TreeMap<String, String> t = new TreeMap<>();
      m.forEach((k, x) -> t.put(String.valueOf(k), text(x)));
      return t.toString();
    }
    return v + ":" + (v == null ? "" : v.getClass().getSimpleName());
  }

  private TaskState taskState(KeyedStateSnapshot s) {
    HashMap<Integer, Object> ops = new HashMap<>();
    ops.put(7, new KeyedProcessOperator.Snapshot(42, s));
    return new TaskState(1, 0, false, -1, null, ops);
  }

  private static KeyedStateSnapshot keyed(TaskState s) {
    return ((KeyedProcessOperator.Snapshot) s.operators().get(7)).state();
  }

  private CheckpointMetadata.StateFile write(CheckpointStorage storage, long id, Serde serde, TaskState state)
      throws IOException {
    return storage.writeState(id, 1, 0, out -> serde.write(out, state));
  }

  private TaskState read(CheckpointStorage storage, long id, Serde serde, CheckpointMetadata.StateFile f)
      throws CheckpointException {
    return storage.readState(id, f, (in, version) -> (TaskState) serde.read(in, "state file " + f.name()));
  }

  @Test
  void randomStatesOfEveryKindRoundTripThroughStreamedFiles() throws Exception {
    Random r = new Random(SEED);
    CheckpointStorage storage = new CheckpointStorage(temp, "job");
    for (int round = 0; round < 25; round++) {
      String seed = "seed " + SEED + " (-Dsluice.test.seed), round " + round;
      HeapKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
      Handles h = Handles.of(b);
      int keys = 1 + r.nextInt(round < 5 ? 5 : 400);
      int ops = r.nextInt(round < 3 ? 3 : 3000);
      for (int i = 0; i < ops; i++) {
        if (r.nextInt(50) == 0) {
          clock[0] += r.nextInt(30); // some "ttl" values expire: left out of the snapshot
        }
        randomOp(b, h, r, keys);
      }
      KeyedStateSnapshot snapshot = b.snapshot();
      Map<Integer, List<String>> expected = normalize(snapshot);
      Serde serde = new Serde(Map.of(), java.util.Set.of()); // the restoring job's own Serde
      Serde writer = new Serde(Map.of(), java.util.Set.of());
      CheckpointMetadata.StateFile f = write(storage, round + 1, writer, taskState(snapshot));
      snapshot.release();
      serde.allowClassNames(writer.writtenClassNames());
      TaskState back = read(storage, round + 1, serde, f);
      assertThat(((KeyedProcessOperator.Snapshot) back.operators().get(7)).watermark()).isEqualTo(42);
      KeyedStateSnapshot restoredSnapshot = keyed(back);
      assertThat(normalize(restoredSnapshot)).as(seed).isEqualTo(expected);

      // Restore into one backend and into two partitions: each gives back exactly what was written.
      HeapKeyedStateBackend one = backend(KeyGroupRange.all(MAX));
      Handles.of(one);
      one.restore(restoredSnapshot);
      assertThat(normalize(one.snapshot())).as(seed).isEqualTo(expected);
      Map<Integer, List<String>> split = new TreeMap<>();
      for (int p = 0; p < 2; p++) {
        HeapKeyedStateBackend part = backend(KeyGroupRange.ofPartition(p, MAX, 2));
        part.restore(restoredSnapshot); // the second restore of a group copies; states registered later
        Handles.of(part);
        split.putAll(normalize(part.snapshot()));
      }
      assertThat(split).as(seed).isEqualTo(expected);
    }
  }

  @Test
  void writesAfterTheSnapshotDoNotLeakIntoItWhileItIsSerializedOnAnotherThread() throws Exception {
    Random r = new Random(SEED + 1);
    CheckpointStorage storage = new CheckpointStorage(temp, "job");
    for (int round = 0; round < 8; round++) {
      String seed = "seed " + SEED + " (-Dsluice.test.seed), round " + round;
      HeapKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
      Handles h = Handles.of(b);
      int keys = 50 + r.nextInt(2000);
      for (int i = 0; i < 20_000; i++) {
        randomOp(b, h, r, keys);
      }
      // Two snapshots in flight at once, each serialized on another thread while this one goes on.
      KeyedStateSnapshot first = b.snapshot();
      Map<Integer, List<String>> expectFirst = normalize(first);
      for (int i = 0; i < 2000; i++) {
        randomOp(b, h, r, keys);
      }
      KeyedStateSnapshot second = b.snapshot();
      Map<Integer, List<String>> expectSecond = normalize(second);
      Serde serde = new Serde(Map.of(), java.util.Set.of());
      long id = 10L * round;
      CompletableFuture<CheckpointMetadata.StateFile> w1 = CompletableFuture.supplyAsync(() -> {
        try {
          return write(storage, id + 1, serde, taskState(first));
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      CompletableFuture<CheckpointMetadata.StateFile> w2 = CompletableFuture.supplyAsync(() -> {
        try {
          return write(storage, id + 2, serde, taskState(second));
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      while (!w1.isDone() || !w2.isDone()) {
        for (int i = 0; i < 200; i++) {
          randomOp(b, h, r, keys);
        }
      }
      first.release();
      second.release();
      for (int i = 0; i < 2000; i++) {
        randomOp(b, h, r, keys); // no snapshot pending: writes in place again
      }
      Map<Integer, List<String>> live = normalize(b.snapshot());
      assertThat(normalize(keyed(read(storage, id + 1, serde, w1.join())))).as(seed).isEqualTo(expectFirst);
      assertThat(normalize(keyed(read(storage, id + 2, serde, w2.join())))).as(seed).isEqualTo(expectSecond);
      assertThat(normalize(b.snapshot())).as(seed).isEqualTo(live);
    }
  }

  private CheckpointMetadata.StateFile sample(CheckpointStorage storage, long id, Serde serde) throws Exception {
    HeapKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
    Handles h = Handles.of(b);
    Random r = new Random(7);
    for (int i = 0; i < 3000; i++) {
      randomOp(b, h, r, 300);
    }
    return write(storage, id, serde, taskState(b.snapshot()));
  }

  @Test
  void damagedVersion2FilesAreDetectedBeforeTheyAreDeserialized() throws Exception {
    CheckpointStorage storage = new CheckpointStorage(temp, "job");
    Serde serde = new Serde(Map.of(), java.util.Set.of());
    CheckpointMetadata.StateFile f = sample(storage, 1, serde);
    Path file = storage.dirOf(1).resolve(f.name());
    byte[] good = Files.readAllBytes(file);
    assertThat(ByteBuffer.wrap(good).getInt(4)).isEqualTo(2);
    assertThat(ByteBuffer.wrap(good).getLong(8)).isEqualTo(good.length - 20L);
    assertThat(f.size()).isEqualTo(good.length);

    // a flipped bit anywhere in the payload
    Random r = new Random(SEED);
    for (int i = 0; i < 5; i++) {
      byte[] b = good.clone();
      int at = 20 + r.nextInt(b.length - 20);
      b[at] ^= (byte) (1 << r.nextInt(8));
      Files.write(file, b);
      assertThatThrownBy(() -> read(storage, 1, serde, f)).isInstanceOf(CheckpointException.class)
          .hasMessageContaining(file.toString()).hasMessageContaining("checksum mismatch");
    }
    // truncated: the metadata's size does not match
    Files.write(file, Arrays.copyOf(good, good.length - 1000));
    assertThatThrownBy(() -> read(storage, 1, serde, f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("truncated or overwritten");
    // truncated, with a metadata entry that agrees on the size: the header's length does not
    byte[] cut = Arrays.copyOf(good, good.length - 1000);
    Files.write(file, cut);
    CheckpointMetadata.StateFile cutEntry = new CheckpointMetadata.StateFile(f.name(), 1, 0, cut.length, f.crc32c());
    assertThatThrownBy(() -> read(storage, 1, serde, cutEntry)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("is truncated");
    // shorter than the header
    Files.write(file, Arrays.copyOf(good, 14));
    CheckpointMetadata.StateFile tiny = new CheckpointMetadata.StateFile(f.name(), 1, 0, 14, f.crc32c());
    assertThatThrownBy(() -> read(storage, 1, serde, tiny)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("truncated");
    // a consistent file (length, checksum) whose payload has bytes after the state
    byte[] longer = Arrays.copyOf(good, good.length + 3);
    int crc = crc(longer, 20, longer.length - 20);
    ByteBuffer.wrap(longer).putLong(8, longer.length - 20L).putInt(16, crc);
    Files.write(file, longer);
    CheckpointMetadata.StateFile longerEntry = new CheckpointMetadata.StateFile(f.name(), 1, 0, longer.length, crc);
    assertThatThrownBy(() -> read(storage, 1, serde, longerEntry)).hasMessageContaining("bytes follow the value");
    // a version this code does not know: refused as incompatible, not skipped
    byte[] v3 = good.clone();
    ByteBuffer.wrap(v3).putInt(4, 3);
    Files.write(file, v3);
    assertThatThrownBy(() -> read(storage, 1, serde, f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("format version 3").satisfies(e -> assertThat(((CheckpointException) e).incompatible).isTrue());
    // intact again: reads
    Files.write(file, good);
    assertThat(normalize(keyed(read(storage, 1, serde, f)))).isNotEmpty();
  }

  @Test
  void version1FilesAreStillRead() throws Exception {
    CheckpointStorage storage = new CheckpointStorage(temp, "job");
    HeapKeyedStateBackend b = backend(KeyGroupRange.all(MAX));
    Handles h = Handles.of(b);
    Random r = new Random(SEED);
    for (int i = 0; i < 2000; i++) {
      randomOp(b, h, r, 200);
    }
    KeyedStateSnapshot s = b.snapshot();
    Map<Integer, List<String>> expected = normalize(s);
    // As the previous version wrote them: whole payload, record layout, 16-byte header.
    Serde old = new Serde(Map.of(), java.util.Set.of()).withVersion1Snapshots();
    KeyedStateSnapshot materialized = new KeyedStateSnapshot(s.maxKeyGroups(), s.range(), new ArrayList<>(s.groups()));
    byte[] payload = old.toBytes(taskState(materialized));
    Path dir = storage.dirOf(1);
    Files.createDirectories(dir);
    ByteBuffer file = ByteBuffer.allocate(16 + payload.length);
    int crc = crc(payload, 0, payload.length);
    file.putInt(0x534C4354).putInt(1).putInt(payload.length).putInt(crc).put(payload);
    Files.write(dir.resolve("task-1-0"), file.array());
    CheckpointMetadata.StateFile f = new CheckpointMetadata.StateFile("task-1-0", 1, 0, 16 + payload.length, crc);

    Serde serde = new Serde(Map.of(), java.util.Set.of());
    serde.allowClassNames(old.writtenClassNames()); // as the metadata lists them
    Serde version1 = serde.withVersion1Snapshots();
    TaskState back = storage.readState(1, f, (in, version) -> {
      assertThat(version).isEqualTo(1);
      return (TaskState) version1.read(in, "state file");
    });
    assertThat(normalize(keyed(back))).isEqualTo(expected);
    // the new layout cannot misread it silently either: it fails with a message
    assertThatThrownBy(() -> storage.readState(1, f, (in, version) -> (TaskState) serde.read(in, "state file")))
        .hasMessageContaining("state file");
  }

  private static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }
}
