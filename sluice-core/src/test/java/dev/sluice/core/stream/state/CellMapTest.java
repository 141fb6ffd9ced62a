package dev.sluice.core.stream.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.stream.state.CellMap.Cell;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link CellMap} against {@code java.util.HashMap} as the reference, under seeded random operations. */
class CellMapTest {

  /** A key whose hash is chosen, so that chains of colliding keys are exercised. */
  private record Key(int id, int hash) {
    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.id == id;
    }
  }

  @Test
  void behavesLikeAHashMapUnderRandomOperations() {
    for (long seed = 1; seed <= 40; seed++) {
      Random rnd = new Random(seed);
      int keySpace = 1 + rnd.nextInt(seed % 4 == 0 ? 5_000 : 300);
      int hashes = 1 + rnd.nextInt(seed % 3 == 0 ? 4 : 1_000_000); // few distinct hashes: long chains
      Key[] keys = new Key[keySpace];
      for (int i = 0; i < keySpace; i++) {
        keys[i] = new Key(i, rnd.nextInt(hashes) * (rnd.nextBoolean() ? 1 : -65_536));
      }
      CellMap map = new CellMap(rnd.nextInt(50));
      Map<Object, Object> model = new HashMap<>();
      for (int op = 0; op < 20_000; op++) {
        Object key = rnd.nextInt(100) == 0 ? null : keys[rnd.nextInt(keySpace)];
        int what = rnd.nextInt(100);
        if (what < 45) {
          Object value = rnd.nextInt(1000);
          Cell c = map.get(key);
          if (c == null) {
            c = map.add(key);
          }
          c.value = value;
          model.put(key, value);
        } else if (what < 75) {
          Cell c = map.get(key);
          assertThat(c == null ? null : c.value).as("seed %d, get %s", seed, key).isEqualTo(model.get(key));
          assertThat(c == null || c.key == key || c.key.equals(key)).isTrue();
        } else if (what < 95) {
          Cell c = map.remove(key);
          Object expected = model.remove(key);
          assertThat(c == null ? null : c.value).as("seed %d, remove %s", seed, key).isEqualTo(expected);
          assertThat(map.get(key)).isNull();
        } else if (what < 97) {
          int mod = 2 + rnd.nextInt(5);
          int removed = map.removeIf(c -> ((Integer) c.value) % mod == 0);
          int before = model.size();
          model.values().removeIf(v -> ((Integer) v) % mod == 0);
          assertThat(removed).isEqualTo(before - model.size());
        } else {
          CellMap copy = map.copyShared();
          assertThat(contents(copy)).isEqualTo(model);
          for (Cell c : copy) {
            assertThat(c.shared).isTrue();
            assertThat(c).isNotSameAs(map.get(c.key));
          }
          map = copy;
        }
        assertThat(map.size()).isEqualTo(model.size());
        assertThat(map.isEmpty()).isEqualTo(model.isEmpty());
      }
      assertThat(contents(map)).as("seed %d", seed).isEqualTo(model);
    }
  }

  @Test
  void aCopyIsIndependentOfItsOriginal() {
    CellMap original = new CellMap(0);
    for (int i = 0; i < 100; i++) {
      original.add("k" + i).value = i;
    }
    CellMap copy = original.copyShared();
    copy.get("k1").value = -1;
    copy.remove("k2");
    copy.add("new").value = 7;
    assertThat(original.get("k1").value).isEqualTo(1);
    assertThat(original.get("k2").value).isEqualTo(2);
    assertThat(original.get("new")).isNull();
    assertThat(original.size()).isEqualTo(100);
    assertThat(copy.size()).isEqualTo(100);
    assertThat(original.get("k3").shared).isFalse();
  }

  private static Map<Object, Object> contents(CellMap map) {
    Map<Object, Object> out = new HashMap<>();
    List<Object> seen = new ArrayList<>();
    for (Cell c : map) {
      seen.add(c.key);
      out.put(c.key, c.value);
    }
    assertThat(seen).as("every key once").hasSameSizeAs(out.keySet());
    return out;
  }
}
