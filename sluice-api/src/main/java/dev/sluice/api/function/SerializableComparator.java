package dev.sluice.api.function;

import java.io.Serializable;
import java.util.Comparator;

/** A {@link Comparator} that can be shipped with the plan. */
@FunctionalInterface
public interface SerializableComparator<T> extends Comparator<T>, Serializable {

  /** Natural order of comparable values. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static <T extends Comparable<? super T>> SerializableComparator<T> naturalOrder() {
    return (a, b) -> ((Comparable) a).compareTo(b);
  }

  /** Compares by an extracted comparable key. */
  static <T, C extends Comparable<? super C>> SerializableComparator<T> comparing(KeySelector<T, C> key) {
    return (a, b) -> {
      try {
        return key.key(a).compareTo(key.key(b));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("key extraction failed while comparing: " + e, e);
      }
    };
  }

  @Override
  default SerializableComparator<T> reversed() {
    return (a, b) -> compare(b, a);
  }
}
