package dev.sluice.core.runtime;

import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.function.Collector;
import dev.sluice.api.plan.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hash join of two hash-partitioned inputs of {@code KV(key, value)}. The right input (the build
 * side) arrives completely before the left (the task reads it first) and is held in a hash table.
 * If the build side outgrows the memory budget the join turns into a sort-merge join on key hash:
 * both sides go through an {@link ExternalSorter} and are joined one hash group at a time.
 */
final class JoinNode extends Node {
  private final Op.JoinType type;
  private final JobResources job;
  private final Reservation reservation;
  private HashMap<Object, List<Object>> build = new HashMap<>();
  private ExternalSorter rightSorted;
  private ExternalSorter leftSorted;
  private final Collector<Object> rightInput = this::collectRight;

  JoinNode(int id, String name, Op.JoinType type, JobResources job) {
    super(id, name);
    this.type = type;
    this.job = job;
    this.reservation = new Reservation(job.budget, 48);
  }

  @Override
  Collector<Object> input(int index) {
    return index == 1 ? rightInput : this;
  }

  private void collectRight(Object record) {
    in++;
    if (rightSorted != null) {
      rightSorted.add(record);
      return;
    }
    KV<?, ?> kv = (KV<?, ?>) record;
    build.computeIfAbsent(kv.key(), k -> new ArrayList<>(2)).add(kv.value());
    if (!reservation.add(record)) {
      rightSorted = new ExternalSorter(job, JoinNode::byHash);
      leftSorted = new ExternalSorter(job, JoinNode::byHash);
      for (Map.Entry<Object, List<Object>> e : build.entrySet()) {
        for (Object v : e.getValue()) {
          rightSorted.add(new KV<>(e.getKey(), v));
        }
      }
      build = new HashMap<>();
      reservation.releaseAll();
    }
  }

  @Override
  public void collect(Object record) {
    in++;
    if (leftSorted != null) {
      leftSorted.add(record);
      return;
    }
    KV<?, ?> kv = (KV<?, ?>) record;
    List<Object> matches = build.get(kv.key());
    emitMatches(kv.key(), kv.value(), matches);
  }

  private void emitMatches(Object key, Object left, List<Object> matches) {
    if (matches == null || matches.isEmpty()) {
      if (type == Op.JoinType.LEFT) {
        emit(new KV<>(key, new Joined<>(left, null)));
      }
      return;
    }
    for (int i = 0, n = matches.size(); i < n; i++) {
      emit(new KV<>(key, new Joined<>(left, matches.get(i))));
    }
  }

  private static int byHash(Object a, Object b) {
    return Integer.compare(AggregateNodes.hash(((KV<?, ?>) a).key()), AggregateNodes.hash(((KV<?, ?>) b).key()));
  }

  @Override
  void finish() {
    if (leftSorted == null) {
      close();
      return;
    }
    Iterator<Object> left = leftSorted.sorted();
    Iterator<Object> right = rightSorted.sorted();
    KV<?, ?> r = right.hasNext() ? (KV<?, ?>) right.next() : null;
    KV<?, ?> l = left.hasNext() ? (KV<?, ?>) left.next() : null;
    List<KV<?, ?>> rightGroup = new ArrayList<>();
    while (l != null) {
      int h = AggregateNodes.hash(l.key());
      while (r != null && AggregateNodes.hash(r.key()) < h) {
        r = right.hasNext() ? (KV<?, ?>) right.next() : null;
      }
      rightGroup.clear();
      while (r != null && AggregateNodes.hash(r.key()) == h) {
        rightGroup.add(r);
        r = right.hasNext() ? (KV<?, ?>) right.next() : null;
      }
      while (l != null && AggregateNodes.hash(l.key()) == h) {
        List<Object> matches = new ArrayList<>();
        for (KV<?, ?> kv : rightGroup) {
          if (Objects.equals(kv.key(), l.key())) {
            matches.add(kv.value());
          }
        }
        emitMatches(l.key(), l.value(), matches);
        l = left.hasNext() ? (KV<?, ?>) left.next() : null;
      }
    }
    close();
  }

  @Override
  void abort() {
    close();
  }

  @Override
  void close() {
    build = new HashMap<>();
    reservation.releaseAll();
    if (leftSorted != null) {
      leftSorted.close();
      rightSorted.close();
    }
  }
}
