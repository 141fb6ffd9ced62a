package dev.sluice.test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Multiset comparison with a readable difference. */
final class Multisets {
  private Multisets() {}

  static void assertSame(String what, List<?> expected, List<?> actual) {
    Map<Object, Integer> counts = new HashMap<>();
    for (Object e : expected) {
      counts.merge(e, 1, Integer::sum);
    }
    List<Object> unexpected = new ArrayList<>();
    for (Object a : actual) {
      Integer c = counts.get(a);
      if (c == null) {
        unexpected.add(a);
      } else if (c == 1) {
        counts.remove(a);
      } else {
        counts.put(a, c - 1);
      }
    }
    if (!unexpected.isEmpty() || !counts.isEmpty()) {
      List<Object> missing = new ArrayList<>();
      counts.forEach((k, n) -> {
        for (int i = 0; i < n; i++) {
          missing.add(k);
        }
      });
      throw new AssertionError(what + " differs (in any order)\n  expected: " + expected + "\n  actual:   " + actual
          + "\n  missing:  " + missing + "\n  unexpected: " + unexpected);
    }
  }
}
