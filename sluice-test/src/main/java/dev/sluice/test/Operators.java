package dev.sluice.test;

import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.StreamOperator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.function.Supplier;

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

  /**
   * Fresh instances of the operator for {@code op}, for {@code snapshotAndRestoreEveryStep}: a
   * process function is copied by serialization now, before the harness's own instance opens it
   * (as the runtime gives each task its own copy), and each instance gets a copy of that.
   */
  static Supplier<StreamOperator> factory(String className, Class<? extends Op> opType, Op op) {
    Object fn = op instanceof Op.KeyedProcess k ? k.function() : op instanceof Op.Process p ? p.function() : null;
    if (fn == null) {
      return () -> create(className, opType, op);
    }
    byte[] bytes;
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(b)) {
        out.writeObject(fn);
      }
      bytes = b.toByteArray();
    } catch (IOException e) {
      return () -> {
        throw new UnsupportedOperationException("snapshotAndRestoreEveryStep needs fresh copies of the function ("
            + fn.getClass().getName() + "), made by serialization: make it and its fields serializable: " + e, e);
      };
    }
    return () -> {
      Object copy;
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
          try {
            return Class.forName(desc.getName(), false, Operators.class.getClassLoader());
          } catch (ClassNotFoundException e) {
            return super.resolveClass(desc);
          }
        }
      }) {
        copy = in.readObject();
      } catch (IOException | ClassNotFoundException e) {
        throw new IllegalStateException("cannot copy the function " + fn.getClass().getName() + ": " + e, e);
      }
      Op fresh = op instanceof Op.KeyedProcess k
          ? new Op.KeyedProcess(k.key(), (dev.sluice.api.function.KeyedProcessFunction<?, ?, ?>) copy)
          : new Op.Process((dev.sluice.api.function.ProcessFunction<?, ?>) copy);
      return create(className, opType, fresh);
    };
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
