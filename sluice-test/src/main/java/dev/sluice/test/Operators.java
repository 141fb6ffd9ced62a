package dev.sluice.test;

import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.StreamOperator;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/**
 * Creates the engine's stream operators from their plan ops, the way the streaming runtime does:
 * through a public constructor of a fixed class that takes the op record. The harnesses therefore
 * test exactly the operator the runtime runs.
 */
final class Operators {
  static final String WINDOW = "dev.sluice.core.stream.window.WindowOperator";
  static final String KEYED_PROCESS = "dev.sluice.core.stream.keyed.KeyedProcessOperator";
  static final String PROCESS = "dev.sluice.core.stream.keyed.ProcessOperator";

  private Operators() {}

  static boolean available(String className) {
    try {
      Class.forName(className, false, Operators.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static StreamOperator create(String className, Class<? extends Op> opType, Op op) {
    Class<?> type;
    try {
      type = Class.forName(className, true, Operators.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new UnsupportedOperationException("the " + op.label() + " operator (" + className
          + ") is not in this sluice-core; use a sluice-core version with streaming operators", e);
    }
    try {
      Constructor<?> c = type.getConstructor(opType);
      return (StreamOperator) c.newInstance(op);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("cannot create " + className + ": " + cause, cause);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(className + " must be a StreamOperator with a public constructor taking "
          + opType.getSimpleName() + ": " + e, e);
    }
  }
}
