package dev.sluice.core.testing;

import dev.sluice.api.function.MapFunction;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An identity map that throws once, at record {@code at}, per {@code key} (in this JVM): the failure
 * injected into the checkpoint recovery tests of several modules. Use a key unique to the case.
 */
public record FailOnce(String key, long at) implements MapFunction<Long, Long> {
  private static final Map<String, AtomicBoolean> FAILED = new ConcurrentHashMap<>();

  @Override
  public Long apply(Long x) {
    if (x == at && FAILED.computeIfAbsent(key, k -> new AtomicBoolean()).compareAndSet(false, true)) {
      throw new IllegalStateException("injected failure at " + x);
    }
    return x;
  }

  /** Whether the failure armed under {@code key} has been thrown. */
  public static boolean injected(String key) {
    AtomicBoolean failed = FAILED.get(key);
    return failed != null && failed.get();
  }
}
