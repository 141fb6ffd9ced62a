package dev.sluice.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Aggregations;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.source.DeadLetter;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** Seeded random values of many shapes, and a deep equality that looks into arrays and records. */
final class TestValues {
  private TestValues() {}

  /** A small Java record. */
  record Point(String name, int x, double weight) {}

  /** A record with an array and a nested generic. */
  record Bucket(long[] counts, List<KV<String, Integer>> entries, Point origin) {}

  enum Color { RED, GREEN { @Override public String toString() { return "g"; } }, BLUE }

  /** A POJO without a no-arg constructor and with a final field. */
  static final class Account {
    private final String id;
    private long balance;
    private List<String> tags;

    Account(String id, long balance, List<String> tags) {
      this.id = id;
      this.balance = balance;
      this.tags = tags;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Account a && a.id.equals(id) && a.balance == balance && Objects.equals(a.tags, tags);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }

    @Override
    public String toString() {
      return "Account(" + id + "," + balance + "," + tags + ")";
    }
  }

  static Object value(Random r, int depth) {
    int shapes = depth <= 0 ? 24 : 44;
    switch (r.nextInt(shapes)) {
      case 0: return null;
      case 1: return string(r);
      case 2: return r.nextInt();
      case 3: return r.nextLong();
      case 4: return r.nextDouble() * 1e6 - 5e5;
      case 5: return r.nextBoolean();
      case 6: return (char) r.nextInt(0xD000);
      case 7: return (byte) r.nextInt();
      case 8: return (short) r.nextInt();
      case 9: return r.nextFloat();
      case 10: return r.longs(r.nextInt(8)).toArray();
      case 11: return r.ints(r.nextInt(8)).toArray();
      case 12: return r.doubles(r.nextInt(8)).toArray();
      case 13: { byte[] b = new byte[r.nextInt(16)]; r.nextBytes(b); return b; }
      case 14: return new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(20) - 10);
      case 15: return new BigInteger(100, r).negate();
      case 16: return new UUID(r.nextLong(), r.nextLong());
      case 17: return Instant.ofEpochSecond(r.nextInt(), r.nextInt(1_000_000_000));
      case 18: return LocalDate.ofEpochDay(r.nextInt(100_000));
      case 19: return LocalDateTime.of(LocalDate.ofEpochDay(r.nextInt(50_000)), LocalTime.ofSecondOfDay(r.nextInt(86_400)));
      case 20: return ZonedDateTime.of(2024, 1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24), 0, 0, 0, ZoneId.of(r.nextBoolean() ? "Europe/Paris" : "UTC"));
      case 21: return Duration.ofMillis(r.nextLong() >> 20);
      case 22: return DayOfWeek.of(1 + r.nextInt(7));
      case 23: return Aggregations.Holder.EMPTY;
      case 24: return KV.of(string(r), r.longs(r.nextInt(5)).toArray());
      case 25: return KV.of(value(r, depth - 1), new Joined<>(value(r, depth - 1), r.nextBoolean() ? null : value(r, depth - 1)));
      case 26: return new Object[] {Aggregations.Holder.EMPTY, value(r, depth - 1), r.nextLong()};
      case 27: return new Point(string(r), r.nextInt(), r.nextDouble());
      case 28: return new Account(string(r), r.nextLong(), r.nextBoolean() ? null : List.of(string(r), string(r)));
      case 29: return fill(r.nextBoolean() ? new ArrayList<>() : new LinkedList<>(), r, depth);
      case 30: return fillMap(r.nextBoolean() ? new HashMap<>() : new LinkedHashMap<>(), r, depth);
      case 31: { TreeMap<String, Object> m = new TreeMap<>(); for (int i = r.nextInt(5); i > 0; i--) m.put(string(r), value(r, depth - 1)); return m; }
      case 32: { Set<Object> s = r.nextBoolean() ? new HashSet<>() : new LinkedHashSet<>(); for (int i = r.nextInt(5); i > 0; i--) s.add(string(r)); return s; }
      case 33: { TreeSet<Integer> s = new TreeSet<>(); for (int i = r.nextInt(6); i > 0; i--) s.add(r.nextInt(100)); return s; }
      case 34: return List.copyOf(nonNull(fill(new ArrayList<>(), r, depth)));
      case 35: { Set<Object> s = new HashSet<>(); for (int i = r.nextInt(4); i > 0; i--) s.add(r.nextInt()); return Set.copyOf(s); }
      case 36: { Map<Object, Object> m = new HashMap<>(); for (int i = r.nextInt(4); i > 0; i--) m.put(string(r), r.nextLong()); return Map.copyOf(m); }
      case 37: return switch (r.nextInt(6)) {
        case 0 -> Collections.unmodifiableList(fill(new ArrayList<>(), r, depth));
        case 1 -> Collections.unmodifiableMap(fillMap(new LinkedHashMap<>(), r, depth));
        case 2 -> Collections.unmodifiableSet(new LinkedHashSet<>(List.of(string(r) + "a", string(r) + "b")));
        case 3 -> Collections.emptyList();
        case 4 -> Collections.singletonList(value(r, depth - 1));
        default -> Collections.emptyMap();
      };
      case 38: return new DeadLetter(string(r), "line " + r.nextInt(100), string(r), "bad");
      case 39: return Color.values()[r.nextInt(3)];
      case 40: return new Bucket(r.longs(3).toArray(), List.of(KV.of(string(r), r.nextInt())), new Point("o", 0, 0.5));
      case 41: return new String[] {string(r), null, string(r)};
      case 42: return List.of(1, 2, 3, 4).subList(1, 3);
      default: return new Point[] {new Point(string(r), 1, 2.0), null};
    }
  }

  private static List<Object> fill(List<Object> list, Random r, int depth) {
    for (int i = r.nextInt(5); i > 0; i--) {
      list.add(value(r, depth - 1));
    }
    return list;
  }

  private static List<Object> nonNull(List<Object> list) {
    list.removeIf(Objects::isNull);
    return list;
  }

  private static Map<Object, Object> fillMap(Map<Object, Object> map, Random r, int depth) {
    for (int i = r.nextInt(5); i > 0; i--) {
      map.put(r.nextBoolean() ? string(r) : (Object) r.nextInt(1000), value(r, depth - 1));
    }
    return map;
  }

  static String string(Random r) {
    int n = r.nextInt(12);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      sb.append(kind < 7 ? (char) ('a' + r.nextInt(26)) : kind < 9 ? (char) (0xE0 + r.nextInt(40)) : '\u20AC');
    }
    return sb.toString();
  }

  /** Asserts {@code actual} equals {@code expected}, looking into arrays and record components. */
  static void assertDeepEquals(Object actual, Object expected, String context) {
    assertThat(deepEquals(actual, expected)).as("%s: expected %s but was %s", context, show(expected), show(actual)).isTrue();
  }

  static boolean deepEquals(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a.getClass().isArray()) {
      if (a.getClass() != b.getClass() || Array.getLength(a) != Array.getLength(b)) {
        return false;
      }
      for (int i = 0; i < Array.getLength(a); i++) {
        if (!deepEquals(Array.get(a, i), Array.get(b, i))) {
          return false;
        }
      }
      return true;
    }
    if (a.getClass().isRecord()) {
      if (a.getClass() != b.getClass()) {
        return false;
      }
      try {
        for (RecordComponent c : a.getClass().getRecordComponents()) {
          c.getAccessor().setAccessible(true);
          if (!deepEquals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
            return false;
          }
        }
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
      return true;
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      return sameElements(la, lb);
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (ma.size() != mb.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : ma.entrySet()) {
        if (!mb.containsKey(e.getKey()) || !deepEquals(e.getValue(), mb.get(e.getKey()))) {
          return false;
        }
      }
      return (!(a instanceof LinkedHashMap) || sameElements(ma.keySet(), mb.keySet()));
    }
    if (a instanceof Collection<?> || b instanceof Collection<?>) {
      return a.equals(b);
    }
    return a.getClass() == b.getClass() && a.equals(b);
  }

  private static boolean sameElements(Collection<?> a, Collection<?> b) {
    if (a.size() != b.size()) {
      return false;
    }
    Iterator<?> ia = a.iterator();
    Iterator<?> ib = b.iterator();
    while (ia.hasNext()) {
      if (!deepEquals(ia.next(), ib.next())) {
        return false;
      }
    }
    return true;
  }

  static String show(Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof Object[] a) {
      return java.util.Arrays.deepToString(a);
    }
    if (o.getClass().isArray()) {
      return java.util.Arrays.deepToString(new Object[] {o});
    }
    return o + " (" + o.getClass().getName() + ")";
  }
}
