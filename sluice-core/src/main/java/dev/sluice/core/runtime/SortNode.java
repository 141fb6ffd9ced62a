package dev.sluice.core.runtime;

import java.util.Comparator;
import java.util.Iterator;

/** Sorts one range partition (spilling through {@link ExternalSorter}) and emits it in order at the end. */
final class SortNode extends Node {
  private final ExternalSorter sorter;

  SortNode(int id, String name, Comparator<Object> cmp, JobResources job) {
    super(id, name);
    this.sorter = new ExternalSorter(job, cmp);
  }

  @Override
  public void collect(Object record) {
    in++;
    sorter.add(record);
  }

  @Override
  void finish() {
    try {
      Iterator<Object> it = sorter.sorted();
      while (it.hasNext()) {
        emit(it.next());
      }
    } finally {
      sorter.close();
    }
  }

  @Override
  void abort() {
    sorter.close();
  }
}
