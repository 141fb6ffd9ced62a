package dev.sluice.core.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Estimates the heap bytes an object graph holds, cheaply and roughly (like Spark's SizeEstimator,
 * without its sampling of large arrays). Assumes compressed oops: 12-byte headers, 4-byte references,
 * 8-byte alignment. Callers estimate a sample of records, not every record.
 */
final class SizeEstimator {
  private static final int MAX_DEPTH = 4;
  private static final Map<Class<?>, Field[]> FIELDS = new ConcurrentHashMap<>();

  private SizeEstimator() {}

  static long estimate(Object o) {
    return estimate(o, 0);
  }

  private static long estimate(Object o, int depth) {
    if (o == null) {
      return 0;
    }
    if (o instanceof String s) {
      return 24 + align(16 + s.length());
    }
    if (o instanceof Long || o instanceof Double) {
      return 24;
    }
    if (o instanceof Integer || o instanceof Float || o instanceof Short || o instanceof Byte
        || o instanceof Character || o instanceof Boolean) {
      return 16;
    }
    if (o instanceof Enum<?>) {
      return 0;
    }
    Class<?> c = o.getClass();
    if (c.isArray()) {
      int len = Array.getLength(o);
      Class<?> ct = c.getComponentType();
      if (ct.isPrimitive()) {
        return align(16 + (long) len * primitiveSize(ct));
      }
      long size = align(16 + 4L * len);
      if (depth < MAX_DEPTH) {
        int sampled = Math.min(len, 8);
        long sum = 0;
        for (int i = 0; i < sampled; i++) {
          sum += estimate(Array.get(o, i), depth + 1);
        }
        size += sampled == 0 ? 0 : sum * len / sampled;
      }
      return size;
    }
    if (o instanceof Collection<?> col) {
      int n = col.size();
      long size = 40 + 24L * n;
      if (depth < MAX_DEPTH && n > 0) {
        long sum = 0;
        int sampled = 0;
        for (Object e : col) {
          sum += estimate(e, depth + 1);
          if (++sampled == 8) {
            break;
          }
        }
        size += sum * n / sampled;
      }
      return size;
    }
    if (o instanceof Map<?, ?> m) {
      int n = m.size();
      long size = 48 + 48L * n;
      if (depth < MAX_DEPTH && n > 0) {
        long sum = 0;
        int sampled = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          sum += estimate(e.getKey(), depth + 1) + estimate(e.getValue(), depth + 1);
          if (++sampled == 8) {
            break;
          }
        }
        size += sum * n / sampled;
      }
      return size;
    }
    Field[] fields = FIELDS.computeIfAbsent(c, SizeEstimator::instanceFields);
    long size = 12;
    for (Field f : fields) {
      Class<?> t = f.getType();
      if (t.isPrimitive()) {
        size += primitiveSize(t);
      } else {
        size += 4;
        if (depth < MAX_DEPTH) {
          try {
            size += estimate(f.get(o), depth + 1);
          } catch (IllegalAccessException e) {
            size += 16;
          }
        }
      }
    }
    return align(size);
  }

  private static Field[] instanceFields(Class<?> c) {
    List<Field> out = new ArrayList<>();
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        try {
          f.setAccessible(true);
          out.add(f);
        } catch (RuntimeException inaccessible) {
          // JDK internals we may not open: count the reference only.
          out.add(null);
        }
      }
    }
    out.removeIf(f -> f == null);
    return out.toArray(new Field[0]);
  }

  private static int primitiveSize(Class<?> t) {
    if (t == long.class || t == double.class) {
      return 8;
    }
    if (t == int.class || t == float.class) {
      return 4;
    }
    if (t == short.class || t == char.class) {
      return 2;
    }
    return 1;
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }
}
