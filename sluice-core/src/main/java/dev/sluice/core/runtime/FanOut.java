package dev.sluice.core.runtime;

import dev.sluice.api.function.Collector;

/** Sends each record to several downstream collectors (a dataset used more than once). */
final class FanOut implements Collector<Object> {
  private final Collector<Object>[] targets;

  FanOut(Collector<Object>[] targets) {
    this.targets = targets;
  }

  @Override
  public void collect(Object record) {
    for (Collector<Object> t : targets) {
      t.collect(record);
    }
  }
}
