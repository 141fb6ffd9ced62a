package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyedTableTest {
  private static int put(KeyedTable t, Object key, Object value) {
    int h = KeyedTable.hash(key);
    int slot = t.find(key, h);
    if (slot < 0) {
      t.insert(slot, key, h, value);
      return -1;
    }
    t.setValueAt(slot, value);
    return slot;
  }

  private static Object get(KeyedTable t, Object key) {
    int slot = t.find(key, KeyedTable.hash(key));
    return slot < 0 ? null : t.valueAt(slot);
  }

  @Test
  void equalKeysMatchWhetherOrNotTheyAreTheSameObject() {
    KeyedTable t = new KeyedTable(16);
    String a = new String("station");
    put(t, a, 1);
    assertThat(get(t, a)).isEqualTo(1);
    assertThat(get(t, new String("station"))).isEqualTo(1);
    put(t, new String("station"), 2);
    assertThat(t.size()).isEqualTo(1);
    assertThat(get(t, a)).isEqualTo(2);
  }

  /** Keys with equal hashes but not equal: identity and hash alone must not decide. */
  record Colliding(int id) {
    @Override
    public int hashCode() {
      return 7;
    }
  }

  @Test
  void collidingKeysNullKeysGrowthClearAndIteration() throws Exception {
    KeyedTable t = new KeyedTable(16);
    Map<Object, Object> want = new HashMap<>();
    for (int i = 0; i < 5000; i++) {
      Object key = i % 3 == 0 ? new Colliding(i % 300) : Integer.valueOf(i % 1000);
      Object value = "v" + i;
      put(t, key, value);
      want.put(key, value);
    }
    put(t, null, "null");
    want.put(null, "null");
    assertThat(t.size()).isEqualTo(want.size());
    for (Map.Entry<Object, Object> e : want.entrySet()) {
      Object probe = e.getKey() instanceof Colliding c ? new Colliding(c.id()) : e.getKey();
      assertThat(get(t, probe)).as(String.valueOf(e.getKey())).isEqualTo(e.getValue());
    }
    assertThat(get(t, new Colliding(1000))).isNull();

    Map<Object, Object> seen = new HashMap<>();
    t.forEach(false, seen::put);
    assertThat(seen).isEqualTo(want);
    List<Integer> hashes = new ArrayList<>();
    t.forEach(true, (k, v) -> hashes.add(KeyedTable.hash(k)));
    assertThat(hashes).hasSize(want.size()).isSorted();

    t.clear();
    assertThat(t.size()).isZero();
    assertThat(get(t, 5)).isNull();
    assertThat(get(t, null)).isNull();
    put(t, 5, "again");
    assertThat(get(t, 5)).isEqualTo("again");
  }
}
