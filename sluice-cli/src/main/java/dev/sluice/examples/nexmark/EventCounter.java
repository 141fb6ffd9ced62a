package dev.sluice.examples.nexmark;

import java.io.Serializable;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A counter that source readers and sink writers of an embedded job add to, and the process that
 * started the job reads (for the summary line, also after a cancel). Serializable by name: a copy
 * made when the plan is serialized still counts into the same JVM-wide counter. Local mode only.
 */
public final class EventCounter implements Serializable {
  private static final Map<String, LongAdder> COUNTERS = new ConcurrentHashMap<>();
  private final String id = UUID.randomUUID().toString();

  public void add(long n) {
    COUNTERS.computeIfAbsent(id, k -> new LongAdder()).add(n);
  }

  public long get() {
    LongAdder a = COUNTERS.get(id);
    return a == null ? 0 : a.sum();
  }

  /** Forgets the count. */
  public void release() {
    COUNTERS.remove(id);
  }
}
