package dev.sluice.core.stream.state;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Copies operator state for a snapshot so the snapshot shares no mutable object with the live
 * state (the runtime may serialize it later, on another thread, while the operator goes on).
 *
 * <p>Copied: arrays (the built-in accumulators are {@code long[]}, {@code double[]} and
 * {@code Object[]} mutated in place by {@code accumulate}, {@code combine} and {@code deduct}), and
 * the JDK's mutable lists, sets and maps (list state, map state, element buffers), recursively into
 * their elements and values. Anything else is taken as immutable and shared: records, strings,
 * boxed numbers, and user values, which the {@code StreamOperator} contract treats as immutable. A
 * user aggregation whose accumulator is a mutable class of its own is therefore not copied (see
 * docs/architecture.md).
 */
public final class StateCopies {
  private StateCopies() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Object deepCopy(Object v) {
    if (v == null) {
      return null;
    }
    Class<?> c = v.getClass();
    if (c.isArray()) {
      if (c.getComponentType().isPrimitive()) {
        int n = Array.getLength(v);
        Object copy = Array.newInstance(c.getComponentType(), n);
        System.arraycopy(v, 0, copy, 0, n);
        return copy;
      }
      Object[] a = ((Object[]) v).clone();
      for (int i = 0; i < a.length; i++) {
        a[i] = deepCopy(a[i]);
      }
      return a;
    }
    if (c == ArrayList.class || c == LinkedList.class) {
      Collection<Object> src = (Collection<Object>) v;
      Collection<Object> copy = c == ArrayList.class ? new ArrayList<>(src.size()) : new LinkedList<>();
      for (Object o : src) {
        copy.add(deepCopy(o));
      }
      return copy;
    }
    if (c == HashMap.class || c == LinkedHashMap.class || c == TreeMap.class) {
      Map<Object, Object> src = (Map<Object, Object>) v;
      Map<Object, Object> copy = c == HashMap.class ? new HashMap<>(Math.max(4, src.size() * 2))
          : c == LinkedHashMap.class ? new LinkedHashMap<>(Math.max(4, src.size() * 2))
          : new TreeMap<>(((TreeMap) src).comparator());
      for (Map.Entry<Object, Object> e : src.entrySet()) {
        copy.put(e.getKey(), deepCopy(e.getValue()));
      }
      return copy;
    }
    if (c == HashSet.class) {
      return new HashSet<>((HashSet<?>) v);
    }
    if (c == LinkedHashSet.class) {
      return new LinkedHashSet<>((LinkedHashSet<?>) v);
    }
    if (c == TreeSet.class) {
      return new TreeSet<>((TreeSet<?>) v);
    }
    return v;
  }
}
