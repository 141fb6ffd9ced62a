package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code Collections.unmodifiable*} wrappers. Their fields are private to java.base, so Kryo's
 * field serializer cannot reach them on Java 17; they are written as their contents (plus the
 * comparator for sorted ones) and read back as an unmodifiable wrapper around a plain collection
 * with the same iteration order.
 */
final class UnmodifiableSerializer extends Serializer<Object> {
  enum Kind { COLLECTION, LIST, SET, SORTED_SET, NAVIGABLE_SET, MAP, SORTED_MAP, NAVIGABLE_MAP }

  private final Kind kind;

  UnmodifiableSerializer(Kind kind) {
    super(false, true);
    this.kind = kind;
  }

  static Class<?>[] types() {
    return new Class<?>[] {
      Collections.unmodifiableCollection(new ArrayList<>()).getClass(),
      Collections.unmodifiableList(new ArrayList<>()).getClass(),
      Collections.unmodifiableList(new java.util.LinkedList<>()).getClass(),
      Collections.unmodifiableSet(new LinkedHashSet<>()).getClass(),
      Collections.unmodifiableSortedSet(new TreeSet<>()).getClass(),
      Collections.unmodifiableNavigableSet(new TreeSet<>()).getClass(),
      Collections.unmodifiableMap(new LinkedHashMap<>()).getClass(),
      Collections.unmodifiableSortedMap(new TreeMap<>()).getClass(),
      Collections.unmodifiableNavigableMap(new TreeMap<>()).getClass(),
    };
  }

  static Kind[] kinds() {
    return new Kind[] {
      Kind.COLLECTION, Kind.LIST, Kind.LIST, Kind.SET, Kind.SORTED_SET, Kind.NAVIGABLE_SET,
      Kind.MAP, Kind.SORTED_MAP, Kind.NAVIGABLE_MAP
    };
  }

  @Override
  public void write(Kryo kryo, Output output, Object value) {
    switch (kind) {
      case SORTED_SET, NAVIGABLE_SET -> kryo.writeClassAndObject(output, ((SortedSet<?>) value).comparator());
      case SORTED_MAP, NAVIGABLE_MAP -> kryo.writeClassAndObject(output, ((SortedMap<?, ?>) value).comparator());
      default -> { }
    }
    if (value instanceof Map<?, ?> map) {
      output.writeVarInt(map.size(), true);
      for (Map.Entry<?, ?> e : map.entrySet()) {
        kryo.writeClassAndObject(output, e.getKey());
        kryo.writeClassAndObject(output, e.getValue());
      }
    } else {
      Collection<?> c = (Collection<?>) value;
      output.writeVarInt(c.size(), true);
      for (Object o : c) {
        kryo.writeClassAndObject(output, o);
      }
    }
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Object read(Kryo kryo, Input input, Class<?> type) {
    Comparator comparator = null;
    if (kind == Kind.SORTED_SET || kind == Kind.NAVIGABLE_SET || kind == Kind.SORTED_MAP
        || kind == Kind.NAVIGABLE_MAP) {
      comparator = (Comparator) kryo.readClassAndObject(input);
    }
    int size = input.readVarInt(true);
    switch (kind) {
      case MAP, SORTED_MAP, NAVIGABLE_MAP -> {
        Map map = kind == Kind.MAP ? new LinkedHashMap<>() : new TreeMap<>(comparator);
        for (int i = 0; i < size; i++) {
          map.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
        }
        return switch (kind) {
          case MAP -> Collections.unmodifiableMap(map);
          case SORTED_MAP -> Collections.unmodifiableSortedMap((TreeMap) map);
          default -> Collections.unmodifiableNavigableMap((TreeMap) map);
        };
      }
      default -> {
        Collection c = switch (kind) {
          case SET -> new LinkedHashSet<>();
          case SORTED_SET, NAVIGABLE_SET -> new TreeSet<>(comparator);
          default -> new ArrayList<>(Math.min(size, 1 << 16));
        };
        for (int i = 0; i < size; i++) {
          c.add(kryo.readClassAndObject(input));
        }
        return switch (kind) {
          case COLLECTION -> Collections.unmodifiableCollection(c);
          case LIST -> Collections.unmodifiableList((List) c);
          case SET -> Collections.unmodifiableSet((java.util.Set) c);
          case SORTED_SET -> Collections.unmodifiableSortedSet((TreeSet) c);
          default -> Collections.unmodifiableNavigableSet((TreeSet) c);
        };
      }
    }
  }
}
