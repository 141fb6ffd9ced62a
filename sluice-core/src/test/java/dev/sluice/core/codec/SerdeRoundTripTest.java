package dev.sluice.core.codec;

import static dev.sluice.core.codec.TestValues.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SerdeRoundTripTest {
  private final Serde serde = new Serde(Map.of(), Set.of());

  @Test
  void randomValuesOfManyShapesRoundTrip() {
    long base = System.nanoTime();
    for (int i = 0; i < 3000; i++) {
      long seed = base + i;
      Object value = TestValues.value(new Random(seed), 3);
      Object back = serde.fromBytes(serde.toBytes(value));
      assertDeepEquals(back, value, "seed " + seed);
    }
  }

  @Test
  void aFreshSerdeReadsBuiltInShapesWrittenByAnother() {
    // Built-ins are written as fixed ids, so any Serde of this version can read them.
    long seed = System.nanoTime();
    Random r = new Random(seed);
    Serde reader = new Serde(Map.of(), Set.of(TestValues.Point.class, TestValues.Account.class,
        TestValues.Bucket.class, TestValues.Color.class, TestValues.Point[].class));
    for (int i = 0; i < 500; i++) {
      Object value = TestValues.value(r, 2);
      assertDeepEquals(reader.fromBytes(serde.toBytes(value)), value, "seed " + seed + ", value " + i);
    }
  }

  @Test
  void nestedGenericsAndTheEmptyHolderKeepTheirShape() {
    KV<String, long[]> kv = KV.of("k", new long[] {1, -2, Long.MAX_VALUE});
    assertDeepEquals(serde.fromBytes(serde.toBytes(kv)), kv, "KV<String,long[]>");

    KV<Integer, Joined<String, TestValues.Point>> joined = KV.of(7, new Joined<>("left", new TestValues.Point("p", 1, 2.5)));
    assertThat(serde.fromBytes(serde.toBytes(joined))).isEqualTo(joined);
    KV<Integer, Joined<String, Object>> leftOnly = KV.of(7, new Joined<>("left", null));
    assertThat(serde.fromBytes(serde.toBytes(leftOnly))).isEqualTo(leftOnly);

    Object[] acc = (Object[]) serde.fromBytes(serde.toBytes(new Object[] {Aggregations.Holder.EMPTY}));
    assertThat(acc[0]).isSameAs(Aggregations.Holder.EMPTY);
    Object[] full = (Object[]) serde.fromBytes(serde.toBytes(new Object[] {"x"}));
    assertThat(full).containsExactly("x");
  }

  @Test
  void recordsPojosEnumsAndNullRoundTrip() {
    assertThat(serde.fromBytes(serde.toBytes(new TestValues.Point("a", 3, 0.25)))).isEqualTo(new TestValues.Point("a", 3, 0.25));
    TestValues.Account account = new TestValues.Account("acc", 42, List.of("x"));
    assertThat(serde.fromBytes(serde.toBytes(account))).isEqualTo(account);
    assertThat(serde.fromBytes(serde.toBytes(TestValues.Color.GREEN))).isSameAs(TestValues.Color.GREEN);
    assertThat(serde.fromBytes(serde.toBytes(null))).isNull();
  }

  @Test
  void jdkImmutableAndUnmodifiableCollectionsRoundTrip() {
    List<Object> values = List.of(
        List.of(), List.of(1), List.of(1, 2, 3), Set.of("a", "b", "c"), Map.of("k", 1L), Map.of(),
        java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(List.of(3, 1, 2))),
        java.util.Collections.unmodifiableNavigableMap(new java.util.TreeMap<>(Map.of("b", 2, "a", 1))),
        java.util.Collections.unmodifiableCollection(new java.util.ArrayList<>(List.of("c"))),
        java.util.Collections.emptySet(), java.util.Collections.singleton("s"),
        java.util.Collections.singletonMap("k", "v"), java.util.Arrays.asList("x", null));
    for (Object v : values) {
      Object back = serde.fromBytes(serde.toBytes(v));
      if (v instanceof java.util.Collection<?> c && !(v instanceof Set<?>)) {
        assertThat(new java.util.ArrayList<Object>((java.util.Collection<?>) back)).as("%s", v.getClass())
            .isEqualTo(new java.util.ArrayList<Object>(c));
      } else {
        assertThat(back).as("%s", v.getClass()).isEqualTo(v);
      }
    }
  }

  @Test
  void builtInsAreWrittenCompactly() {
    // A fixed id instead of a class name: a few bytes, not "dev.sluice.api.KV".
    assertThat(serde.toBytes(KV.of("k", 1L)).length).isLessThan(8);
    assertThat(serde.toBytes(1L).length).isLessThanOrEqualTo(3);
  }
}
