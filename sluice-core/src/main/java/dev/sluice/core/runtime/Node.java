package dev.sluice.core.runtime;

import dev.sluice.api.function.Collector;

/**
 * One fused operator of a task's chain. Records are pushed with {@link #collect} by plain method
 * calls; {@link #finish} is called once after all input, in topological order, so a stateful node can
 * emit what it holds. Used by one task thread only.
 */
abstract class Node implements Collector<Object> {
  final int transformId;
  final String name;
  long in;
  long out;
  Collector<Object> down = r -> {};

  Node(int transformId, String name) {
    this.transformId = transformId;
    this.name = name;
  }

  /** The collector for input {@code index} (joins have two). */
  Collector<Object> input(int index) {
    return this;
  }

  void emit(Object record) {
    out++;
    down.collect(record);
  }

  void finish() throws Exception {}

  /** Streaming runtime: input {@code index} has ended (before {@link #finish}, once per input). */
  void endInput(int index) throws Exception {}

  /** Releases memory and files after a failed attempt. Must not throw. */
  void abort() {}

  /** Releases memory and files after a successful attempt. */
  void close() {}

  /** Wraps a checked exception from a user function, naming the operator. */
  RuntimeException userError(Exception e) {
    if (e instanceof UserFunctionException u) {
      return u;
    }
    return new UserFunctionException(name + " (#" + transformId + ")", e);
  }
}
