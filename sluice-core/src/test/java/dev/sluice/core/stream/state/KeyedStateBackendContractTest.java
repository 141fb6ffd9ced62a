package dev.sluice.core.stream.state;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link KeyedStateBackend} must show: each state kind, TTL on a virtual clock,
 * timers, key-group snapshot and restore (also into two partitions). Run against the heap backend
 * here and against the RocksDB backend in {@code sluice-rocksdb} (this class ships in the core's
 * test jar).
 */
public abstract class KeyedStateBackendContractTest {
  protected static final int MAX = KeyGroups.DEFAULT_MAX;
  protected final long[] clock = {0};
  private final List<KeyedStateBackend> created = new ArrayList<>();

  /** A new, empty backend of the kind under test. */
  protected abstract KeyedStateBackend create(int maxKeyGroups, KeyGroupRange range, LongSupplier clock);

  protected KeyedStateBackend backend(KeyGroupRange range) {
    KeyedStateBackend b = create(MAX, range, () -> clock[0]);
    created.add(b);
    return b;
  }

  protected KeyedStateBackend backend() {
    return backend(KeyGroupRange.all(MAX));
  }

  @AfterEach
  public void closeBackends() {
    for (KeyedStateBackend b : created) {
      b.close();
    }
  }

  @Test
  public void valueStateIsPerKey() {
    KeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.value("v"));
    b.setCurrentKey("a");
    assertThat(v.value()).isNull();
    v.update("A");
    b.setCurrentKey("b");
    assertThat(v.value()).isNull();
    v.update("B");
    b.setCurrentKey("a");
    assertThat(v.value()).isEqualTo("A");
    v.clear();
    assertThat(v.value()).isNull();
    b.setCurrentKey("b");
    assertThat(v.value()).isEqualTo("B");
    v.update(null);
    assertThat(v.value()).isNull();
    assertThat(b.size("v")).isZero();
  }

  @Test
  public void listStateAppendsReplacesAndClears() {
    KeyedStateBackend b = backend();
    ListState<Integer> l = b.state(StateSpec.list("l"));
    b.setCurrentKey(1);
    assertThat(l.get()).isEmpty();
    l.add(1);
    l.addAll(List.of(2, 3));
    b.setCurrentKey(2);
    l.add(9);
    b.setCurrentKey(1);
    assertThat(l.get()).containsExactly(1, 2, 3);
    l.update(List.of(7));
    assertThat(l.get()).containsExactly(7);
    l.update(List.of());
    assertThat(l.get()).isEmpty();
    assertThatThrownBy(() -> l.add(null)).isInstanceOf(NullPointerException.class);
    b.setCurrentKey(2);
    assertThat(l.get()).containsExactly(9);
  }

  @Test
  public void mapStatePutsRemovesAndIterates() {
    KeyedStateBackend b = backend();
    MapState<String, Integer> m = b.state(StateSpec.map("m"));
    b.setCurrentKey("x");
    assertThat(m.isEmpty()).isTrue();
    assertThat(m.entries()).isEmpty();
    m.put("a", 1);
    m.put("b", 2);
    m.put("a", 3);
    b.setCurrentKey("y");
    assertThat(m.contains("a")).isFalse();
    m.put("z", 26);
    b.setCurrentKey("x");
    assertThat(m.get("a")).isEqualTo(3);
    assertThat(m.keys()).containsExactlyInAnyOrder("a", "b");
    assertThat(m.values()).containsExactlyInAnyOrder(3, 2);
    assertThat(m.entries()).containsExactlyInAnyOrder(Map.entry("a", 3), Map.entry("b", 2));
    m.remove("a");
    m.remove("b");
    assertThat(m.isEmpty()).isTrue();
    assertThat(b.size("m")).isEqualTo(1); // only y left
  }

  @Test
  public void reducingAndAggregatingStateFoldPerKey() throws Exception {
    KeyedStateBackend b = backend();
    ReducingState<Long> sum = b.state(StateSpec.reducing("sum", Long::sum));
    AggregatingState<Object, Long> count = b.state(StateSpec.aggregating("count", Aggregations.count()));
    b.setCurrentKey("a");
    assertThat(sum.get()).isNull();
    assertThat(count.get()).isNull();
    sum.add(5L);
    sum.add(7L);
    count.add("x");
    count.add("y");
    b.setCurrentKey("b");
    sum.add(1L);
    count.add("z");
    b.setCurrentKey("a");
    assertThat(sum.get()).isEqualTo(12L);
    assertThat(count.get()).isEqualTo(2L);
    count.clear();
    assertThat(count.get()).isNull();
    b.setCurrentKey("b");
    assertThat(sum.get()).isEqualTo(1L);
    assertThat(count.get()).isEqualTo(1L);
  }

  @Test
  public void sameNameGivesSameHandleAndOtherKindIsRefused() {
    KeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.value("s"));
    assertThat((Object) b.state(StateSpec.<String>value("s"))).isSameAs(v);
    assertThatThrownBy(() -> b.state(StateSpec.list("s")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered as VALUE");
  }

  @Test
  public void stateWithoutCurrentKeyAndForeignKeyGroupsAreRefused() {
    KeyedStateBackend b = backend(KeyGroupRange.ofPartition(0, MAX, 2));
    ValueState<String> v = b.state(StateSpec.value("v"));
    assertThatThrownBy(v::value).isInstanceOf(IllegalStateException.class).hasMessageContaining("processElement");
    String foreign = keyInPartition(1, 2, 0);
    assertThatThrownBy(() -> b.setCurrentKey(foreign))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not own");
  }

  @Test
  public void ttlExpiresValuesNotWrittenForTheTtlAndReadsDoNotRefresh() throws Exception {
    KeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.<String>value("v").withTtl(Duration.ofMillis(100)));
    ListState<String> l = b.state(StateSpec.<String>list("l").withTtl(Duration.ofMillis(100)));
    MapState<String, String> m = b.state(StateSpec.<String, String>map("m").withTtl(Duration.ofMillis(100)));
    ReducingState<Long> r = b.state(StateSpec.reducing("r", Long::sum).withTtl(Duration.ofMillis(100)));
    ValueState<String> forever = b.state(StateSpec.value("forever"));
    b.setCurrentKey("k");
    v.update("x");
    l.add("x");
    m.put("a", "x");
    r.add(1L);
    forever.update("x");
    clock[0] = 99;
    assertThat(v.value()).isEqualTo("x"); // a read does not extend the life
    m.put("b", "y"); // a write refreshes the whole map
    clock[0] = 100;
    assertThat(v.value()).isNull();
    assertThat(l.get()).isEmpty();
    assertThat(r.get()).isNull();
    assertThat(m.get("a")).isEqualTo("x");
    assertThat(forever.value()).isEqualTo("x");
    r.add(5L); // starts afresh, not from the expired 1
    assertThat(r.get()).isEqualTo(5L);
    clock[0] = 199;
    assertThat(m.isEmpty()).isTrue();
    assertThat(b.minTtlMillis()).isEqualTo(100);
  }

  @Test
  public void sweepRemovesExpiredValuesOfAllKeys() {
    KeyedStateBackend b = backend();
    ValueState<Integer> v = b.state(StateSpec.<Integer>value("v").withTtl(Duration.ofMillis(10)));
    for (int i = 0; i < 50; i++) {
      clock[0] = i;
      b.setCurrentKey(i);
      v.update(i);
    }
    clock[0] = 30; // keys 0..20 were written at or before 20
    assertThat(b.removeExpired()).isEqualTo(21);
    assertThat(b.size("v")).isEqualTo(29);
    clock[0] = 1000;
    assertThat(b.removeExpired()).isEqualTo(29);
    assertThat(b.size("v")).isZero();
  }

  @Test
  public void timersAreDeduplicatedDeletedAndPolledInTimeOrder() {
    KeyedStateBackend b = backend();
    b.setCurrentKey("a");
    assertThat(b.registerTimer(TimeDomain.EVENT_TIME, 20)).isTrue();
    assertThat(b.registerTimer(TimeDomain.EVENT_TIME, 20)).isFalse();
    b.registerTimer(TimeDomain.EVENT_TIME, 10);
    b.registerTimer(TimeDomain.PROCESSING_TIME, 5);
    b.setCurrentKey("b");
    b.registerTimer(TimeDomain.EVENT_TIME, 10);
    b.registerTimer(TimeDomain.EVENT_TIME, 30);
    assertThat(b.deleteTimer(TimeDomain.EVENT_TIME, 30)).isTrue();
    assertThat(b.deleteTimer(TimeDomain.EVENT_TIME, 30)).isFalse();
    assertThat(b.timerCount(TimeDomain.EVENT_TIME)).isEqualTo(3);
    List<String> fired = new ArrayList<>();
    while (b.pollTimer(TimeDomain.EVENT_TIME, 25)) {
      fired.add(b.currentKey() + "@" + b.polledTimerTime());
    }
    assertThat(fired).containsExactly("a@10", "b@10", "a@20");
    assertThat(b.timerCount(TimeDomain.PROCESSING_TIME)).isEqualTo(1);
  }

  @Test
  public void snapshotOfAllGroupsRestoresIntoTwoPartitionsAndBackIntoOne() throws Exception {
    KeyedStateBackend whole = backend();
    fill(whole, 300);
    KeyedStateSnapshot snap = whole.snapshot(KeyGroupRange.all(MAX));
    assertThat(snap.entryCount()).isEqualTo(300 * 5);
    assertThat(snap.timerCount()).isEqualTo(300 * 2);

    // Through the job's serializer, as the checkpoint files will do.
    Serde serde = new Serde(Map.of(), Set.of());
    KeyedStateSnapshot copied = (KeyedStateSnapshot) serde.fromBytes(serde.toBytes(snap));

    KeyedStateBackend p0 = backend(KeyGroupRange.ofPartition(0, MAX, 2));
    KeyedStateBackend p1 = backend(KeyGroupRange.ofPartition(1, MAX, 2));
    p0.restore(copied);
    p1.restore(copied);
    assertThat(p0.size("value") + p1.size("value")).isEqualTo(300);
    assertThat(p0.size("value")).isPositive();
    assertThat(p1.size("value")).isPositive();
    for (int k = 0; k < 300; k++) {
      KeyedStateBackend owner = KeyGroups.partitionOfKey(k, MAX, 2) == 0 ? p0 : p1;
      assertThat(read(owner, k)).as("key %s", k).isEqualTo(read(whole, k));
      assertThat(owner.hasTimer(TimeDomain.EVENT_TIME, k, 1000 + k)).isTrue();
      assertThat(owner.hasTimer(TimeDomain.PROCESSING_TIME, k, 2000 + k)).isTrue();
    }

    // Each half snapshots only its own range; both restore into one backend as the original.
    KeyedStateBackend back = backend();
    back.restore(p0.snapshot());
    back.restore(p1.snapshot());
    assertThat(canonical(back.snapshot())).isEqualTo(canonical(snap));
    assertThatThrownBy(() -> p0.snapshot(KeyGroupRange.all(MAX))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  public void snapshotCopiesContainersAndSkipsExpiredValues() {
    KeyedStateBackend b = backend();
    ListState<String> l = b.state(StateSpec.list("l"));
    ValueState<String> t = b.state(StateSpec.<String>value("t").withTtl(Duration.ofMillis(10)));
    b.setCurrentKey("k");
    l.add("a");
    t.update("x");
    KeyedStateSnapshot snap = b.snapshot();
    l.add("b");
    assertThat(snap.groups().get(0).entries())
        .filteredOn(e -> e.state().equals("l")).singleElement()
        .extracting(KeyedStateSnapshot.StateEntry::value).isEqualTo(List.of("a"));
    clock[0] = 10;
    assertThat(b.snapshot().entryCount()).isEqualTo(1);
  }

  @Test
  public void restoreRefusesADifferentNumberOfKeyGroups() {
    KeyedStateBackend other = create(64, KeyGroupRange.all(64), () -> 0);
    created.add(other);
    KeyedStateSnapshot snap = other.snapshot();
    assertThatThrownBy(() -> backend().restore(snap)).hasMessageContaining("number of key groups must not change");
  }

  @Test
  public void inspectReadsAnyKeyAndPendingTimersAreOrdered() throws Exception {
    KeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.value("v"));
    ListState<Integer> l = b.state(StateSpec.list("l"));
    MapState<String, Integer> m = b.state(StateSpec.map("m"));
    AggregatingState<Object, Long> count = b.state(StateSpec.aggregating("count", Aggregations.count()));
    b.setCurrentKey("a");
    v.update("A");
    l.add(1);
    l.add(2);
    m.put("x", 1);
    count.add("e");
    b.registerTimer(TimeDomain.PROCESSING_TIME, 7);
    b.registerTimer(TimeDomain.EVENT_TIME, 9);
    b.setCurrentKey("b");
    b.registerTimer(TimeDomain.EVENT_TIME, 3);
    b.clearCurrentKey();
    assertThat(b.inspect("v", "a")).isEqualTo("A");
    assertThat(b.inspect("v", "b")).isNull();
    assertThat(b.inspect("l", "a")).isEqualTo(List.of(1, 2));
    assertThat(b.inspect("m", "a")).isEqualTo(Map.of("x", 1));
    assertThat(b.inspect("count", "a")).isEqualTo(1L);
    assertThat(b.currentKey()).isNull();
    assertThatThrownBy(() -> b.inspect("nope", "a")).isInstanceOf(IllegalArgumentException.class);
    assertThat(b.pendingTimers()).extracting(t -> t.key() + "@" + t.time() + " " + t.domain())
        .containsExactly("b@3 EVENT_TIME", "a@9 EVENT_TIME", "a@7 PROCESSING_TIME");
  }

  @Test
  public void mapStateKeepsNullValuesAndListStateIsAFreshListPerRead() {
    KeyedStateBackend b = backend();
    MapState<String, String> m = b.state(StateSpec.map("m"));
    ListState<String> l = b.state(StateSpec.list("l"));
    b.setCurrentKey(42L);
    m.put("n", null);
    assertThat(m.contains("n")).isTrue();
    assertThat(m.get("n")).isNull();
    assertThat(m.isEmpty()).isFalse();
    l.addAll(List.of("a", "b"));
    l.addAll(List.of());
    l.add("c");
    assertThat(l.get()).containsExactly("a", "b", "c");
    m.remove("n");
    assertThat(m.isEmpty()).isTrue();
    assertThat(b.size("m")).isZero();
  }

  @Test
  public void restoreBeforeRegistrationKeepsTheEntriesForTheLaterHandle() throws Exception {
    KeyedStateBackend a = backend();
    fill(a, 40);
    KeyedStateSnapshot snap = a.snapshot();
    KeyedStateBackend b = backend();
    b.restore(snap);
    // Not registered yet: still part of the next snapshot.
    assertThat(canonical(b.snapshot())).isEqualTo(canonical(snap));
    for (int k = 0; k < 40; k++) {
      assertThat(read(b, k)).as("key %s", k).isEqualTo(read(a, k));
    }
    assertThat(canonical(b.snapshot())).isEqualTo(canonical(snap));
  }

  @Test
  public void restoredTtlValuesKeepTheirWriteTime() {
    KeyedStateBackend a = backend();
    ValueState<String> v = a.state(StateSpec.<String>value("v").withTtl(Duration.ofMillis(100)));
    MapState<String, String> m = a.state(StateSpec.<String, String>map("m").withTtl(Duration.ofMillis(100)));
    ListState<String> l = a.state(StateSpec.<String>list("l").withTtl(Duration.ofMillis(100)));
    clock[0] = 50;
    a.setCurrentKey("k");
    v.update("x");
    m.put("a", "b");
    l.add("y");
    KeyedStateSnapshot snap = a.snapshot();
    assertThat(snap.groups().get(0).entries()).extracting(KeyedStateSnapshot.StateEntry::writtenAt).containsOnly(50L);
    KeyedStateBackend b = backend();
    ValueState<String> v2 = b.state(StateSpec.<String>value("v").withTtl(Duration.ofMillis(100)));
    ListState<String> l2 = b.state(StateSpec.<String>list("l").withTtl(Duration.ofMillis(100)));
    b.restore(snap);
    b.setCurrentKey("k");
    clock[0] = 149;
    assertThat(v2.value()).isEqualTo("x");
    assertThat(l2.get()).containsExactly("y");
    clock[0] = 150;
    assertThat(v2.value()).isNull();
    assertThat(l2.get()).isEmpty();
    l2.add("z"); // starts afresh
    assertThat(l2.get()).containsExactly("z");
    MapState<String, String> m2 = b.state(StateSpec.<String, String>map("m").withTtl(Duration.ofMillis(100)));
    assertThat(m2.isEmpty()).isTrue();
  }

  @Test
  public void closeIsIdempotent() {
    KeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.value("v"));
    b.setCurrentKey("a");
    v.update("x");
    b.close();
    b.close();
  }

  /**
   * Random value, list and map operations on few keys, several per key in a row (as a function
   * does: read, then write), with snapshots taken, checked later and released out of order, and now
   * and then the live state replaced by a restore of its own snapshot: every read and every
   * snapshot equals a plain map model. Keys are looked up by equal but distinct instances too.
   */
  @Test
  public void randomOperationsMatchAPlainModelAcrossSnapshotsAndRestores() throws Exception {
    for (long seed = 1; seed <= 12; seed++) {
      java.util.Random rnd = new java.util.Random(seed);
      KeyedStateBackend b = backend();
      Map<String, String> values = new java.util.TreeMap<>();
      Map<String, List<String>> lists = new java.util.TreeMap<>();
      Map<String, Map<String, String>> maps = new java.util.TreeMap<>();
      List<KeyedStateSnapshot> held = new ArrayList<>();
      List<List<String>> expectedHeld = new ArrayList<>();
      for (int step = 0; step < 1_500; step++) {
        ValueState<String> value = b.state(StateSpec.value("value"));
        ListState<String> list = b.state(StateSpec.list("list"));
        MapState<String, String> map = b.state(StateSpec.map("map"));
        String key = new String("k" + rnd.nextInt(24)); // a fresh instance: equal, not identical
        b.setCurrentKey(key);
        for (int op = 1 + rnd.nextInt(4); op > 0; op--) {
          String v = "v" + rnd.nextInt(1000);
          switch (rnd.nextInt(9)) {
            case 0 -> assertThat(value.value()).as("seed %s step %s value of %s", seed, step, key).isEqualTo(values.get(key));
            case 1 -> {
              value.update(v);
              values.put(key, v);
            }
            case 2 -> {
              if (rnd.nextBoolean()) {
                value.update(null);
              } else {
                value.clear();
              }
              values.remove(key);
            }
            case 3 -> {
              list.add(v);
              lists.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
            }
            case 4 -> {
              List<String> got = new ArrayList<>();
              list.get().forEach(got::add);
              assertThat(got).as("seed %s step %s list of %s", seed, step, key)
                  .isEqualTo(lists.getOrDefault(key, List.of()));
            }
            case 5 -> {
              list.clear();
              lists.remove(key);
            }
            case 6 -> {
              String mk = "m" + rnd.nextInt(4);
              map.put(mk, v);
              maps.computeIfAbsent(key, k -> new java.util.TreeMap<>()).put(mk, v);
            }
            case 7 -> {
              String mk = "m" + rnd.nextInt(4);
              map.remove(mk);
              Map<String, String> m = maps.get(key);
              if (m != null) {
                m.remove(mk);
                if (m.isEmpty()) {
                  maps.remove(key);
                }
              }
            }
            default -> {
              String mk = "m" + rnd.nextInt(4);
              assertThat(map.get(mk)).as("seed %s step %s map of %s", seed, step, key)
                  .isEqualTo(maps.getOrDefault(key, Map.of()).get(mk));
            }
          }
        }
        int r = rnd.nextInt(100);
        if (r < 4) {
          held.add(b.snapshot());
          expectedHeld.add(model(values, lists, maps));
        } else if (r < 8 && !held.isEmpty()) {
          int i = rnd.nextInt(held.size());
          KeyedStateSnapshot snap = held.remove(i);
          assertThat(modelOf(snap)).as("seed %s step %s: a snapshot taken earlier", seed, step)
              .isEqualTo(expectedHeld.remove(i));
          snap.release();
        } else if (r == 8) {
          KeyedStateSnapshot snap = b.snapshot();
          KeyedStateBackend next = backend();
          next.restore(snap);
          snap.release();
          b = next;
        }
      }
      assertThat(modelOf(b.snapshot())).as("seed %s: the final state", seed).isEqualTo(model(values, lists, maps));
      for (KeyedStateSnapshot snap : held) {
        assertThat(modelOf(snap)).isEqualTo(expectedHeld.remove(0));
        snap.release();
      }
    }
  }

  private static List<String> model(Map<String, String> values, Map<String, List<String>> lists,
      Map<String, Map<String, String>> maps) {
    List<String> out = new ArrayList<>();
    values.forEach((k, v) -> out.add("value " + k + " " + v));
    lists.forEach((k, v) -> out.add("list " + k + " " + v));
    maps.forEach((k, v) -> out.add("map " + k + " " + v));
    out.sort(null);
    return out;
  }

  private static List<String> modelOf(KeyedStateSnapshot s) {
    List<String> out = new ArrayList<>();
    for (KeyedStateSnapshot.KeyGroupState g : s.groups()) {
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        Object v = e.value() instanceof Map<?, ?> m ? new java.util.TreeMap<>(m) : e.value();
        out.add(e.state() + " " + e.key() + " " + v);
      }
    }
    out.sort(null);
    return out;
  }

  private static void fill(KeyedStateBackend b, int keys) throws Exception {
    ValueState<String> value = b.state(StateSpec.value("value"));
    ListState<Integer> list = b.state(StateSpec.list("list"));
    MapState<String, Integer> map = b.state(StateSpec.map("map"));
    ReducingState<Long> reducing = b.state(StateSpec.reducing("reducing", Long::sum));
    AggregatingState<Object, Long> count = b.state(StateSpec.aggregating("count", Aggregations.count()));
    for (int k = 0; k < keys; k++) {
      b.setCurrentKey(k);
      value.update("v" + k);
      for (int i = 0; i <= k % 4; i++) {
        list.add(i);
        map.put("m" + i, k * i);
        reducing.add((long) k);
        count.add(i);
      }
      b.registerTimer(TimeDomain.EVENT_TIME, 1000 + k);
      b.registerTimer(TimeDomain.PROCESSING_TIME, 2000 + k);
    }
  }

  /** Every state of key {@code k}, read through fresh handles. */
  private static List<Object> read(KeyedStateBackend b, int k) throws Exception {
    ValueState<String> value = b.state(StateSpec.value("value"));
    ListState<Integer> list = b.state(StateSpec.list("list"));
    MapState<String, Integer> map = b.state(StateSpec.map("map"));
    ReducingState<Long> reducing = b.state(StateSpec.reducing("reducing", Long::sum));
    AggregatingState<Object, Long> count = b.state(StateSpec.aggregating("count", Aggregations.count()));
    b.setCurrentKey(k);
    Map<String, Integer> m = new HashMap<>();
    map.entries().forEach(e -> m.put(e.getKey(), e.getValue()));
    List<Integer> l = new ArrayList<>();
    list.get().forEach(l::add);
    return List.of(value.value(), l, m, reducing.get(), count.get());
  }

  /** A snapshot as comparable text (accumulators are arrays), sorted. */
  private static List<String> canonical(KeyedStateSnapshot s) {
    List<String> out = new ArrayList<>();
    for (KeyedStateSnapshot.KeyGroupState g : s.groups()) {
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        Object v = e.value() instanceof long[] a ? java.util.Arrays.toString(a)
            : e.value() instanceof Map<?, ?> m ? new java.util.TreeMap<>(m) : e.value(); // map order is not part of the contract
        out.add(g.keyGroup() + " " + e.state() + " " + e.key() + " " + v + " " + e.writtenAt());
      }
      for (KeyedStateSnapshot.TimerEntry t : g.timers()) {
        out.add(g.keyGroup() + " timer " + t);
      }
    }
    out.sort(null);
    return out;
  }

  private static String keyInPartition(int partition, int parallelism, int from) {
    for (int i = from; ; i++) {
      String k = "key" + i;
      if (KeyGroups.partitionOfKey(k, MAX, parallelism) == partition) {
        return k;
      }
    }
  }
}
