package dev.sluice.core.codec;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts what {@link Evil} did, across class loaders (this class is always loaded once). */
public final class EvilCounter {
  public static final AtomicInteger INITIALIZED = new AtomicInteger();
  public static final AtomicInteger CONSTRUCTED = new AtomicInteger();

  private EvilCounter() {}
}
