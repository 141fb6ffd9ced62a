package dev.sluice.core.stream;

import dev.sluice.api.plan.Op;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/**
 * The one seam between the streaming runtime and the stateful operator implementations: maps a
 * streaming {@link Op} to its {@link StreamOperator} class by a fixed name and instantiates it
 * reflectively, through a public constructor taking the op record. The runtime therefore has no
 * compile-time dependency on the operators.
 *
 * <table>
 * <caption>operator classes</caption>
 * <tr><td>{@link Op.Window}</td><td>{@code dev.sluice.core.stream.window.WindowOperator}</td></tr>
 * <tr><td>{@link Op.KeyedProcess}</td><td>{@code dev.sluice.core.stream.keyed.KeyedProcessOperator}</td></tr>
 * <tr><td>{@link Op.Process}</td><td>{@code dev.sluice.core.stream.keyed.ProcessOperator}</td></tr>
 * <tr><td>{@link Op.WindowJoin}</td><td>{@code dev.sluice.core.stream.join.WindowJoinOperator}</td></tr>
 * <tr><td>{@link Op.IntervalJoin}</td><td>{@code dev.sluice.core.stream.join.IntervalJoinOperator}</td></tr>
 * <tr><td>{@link Op.Enrich}</td><td>{@code dev.sluice.core.stream.join.EnrichOperator}</td></tr>
 * </table>
 *
 * <p>What the runtime passes to {@link StreamOperator#processElement}: on an input fed by a hash
 * exchange (window, keyed process, window and interval join) the key computed by the exchange and the
 * plain record; on any other input (process, the stream and table sides of enrich) a null key. The
 * element's timestamp is the record's event time, {@link Long#MIN_VALUE} when it has none.
 *
 * <p>Thread-safe (stateless).
 */
public final class StreamOperators {
  private StreamOperators() {}

  /** The implementation class name for {@code op}, or null when {@code op} is not a stream operator. */
  public static String className(Op op) {
    if (op instanceof Op.Window) {
      return "dev.sluice.core.stream.window.WindowOperator";
    } else if (op instanceof Op.KeyedProcess) {
      return "dev.sluice.core.stream.keyed.KeyedProcessOperator";
    } else if (op instanceof Op.Process) {
      return "dev.sluice.core.stream.keyed.ProcessOperator";
    } else if (op instanceof Op.WindowJoin) {
      return "dev.sluice.core.stream.join.WindowJoinOperator";
    } else if (op instanceof Op.IntervalJoin) {
      return "dev.sluice.core.stream.join.IntervalJoinOperator";
    } else if (op instanceof Op.Enrich) {
      return "dev.sluice.core.stream.join.EnrichOperator";
    }
    return null;
  }

  /** Whether the runtime hosts {@code op} as a {@link StreamOperator}. */
  public static boolean isStreamOperator(Op op) {
    return className(op) != null;
  }

  /**
   * Checks that the implementation of {@code op} can be created (a no-op for other ops). Called at
   * plan time so a missing operator, or a process function that cannot be copied per task, fails
   * before anything runs.
   *
   * @throws IllegalArgumentException naming the missing class and the operator
   */
  public static void check(Op op, ClassLoader cl) {
    if (isStreamOperator(op)) {
      constructor(op, cl);
      perTaskCopy(op, cl);
    }
  }

  /**
   * A fresh operator instance for one task. A process function ({@link Op.Process},
   * {@link Op.KeyedProcess}) is copied by serialization first: its contract is one instance per task
   * (its {@code open} keeps state handles and other per-task fields), so tasks must not share the
   * instance the user built.
   */
  public static StreamOperator create(Op op, ClassLoader cl) {
    Constructor<?> c = constructor(op, cl);
    try {
      return (StreamOperator) c.newInstance(perTaskCopy(op, cl));
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("creating " + c.getDeclaringClass().getName() + " for " + op.label()
          + " failed: " + cause, cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create " + c.getDeclaringClass().getName() + " for " + op.label()
          + ": " + e, e);
    }
  }

  /** {@code op} with its own copy of a process function (other ops are returned as they are). */
  static Op perTaskCopy(Op op, ClassLoader cl) {
    if (op instanceof Op.KeyedProcess k) {
      return new Op.KeyedProcess(k.key(), copy(k.function(), op, cl));
    } else if (op instanceof Op.Process p) {
      return new Op.Process(copy(p.function(), op, cl));
    }
    return op;
  }

  @SuppressWarnings("unchecked")
  private static <T extends Serializable> T copy(T fn, Op op, ClassLoader cl) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(fn);
      }
      ClassLoader loader = cl != null ? cl : StreamOperators.class.getClassLoader();
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())) {
        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
          try {
            return Class.forName(desc.getName(), false, loader);
          } catch (ClassNotFoundException e) {
            return super.resolveClass(desc);
          }
        }
      }) {
        return (T) in.readObject();
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("the function of " + op.label() + " (" + fn.getClass().getName()
          + ") cannot be copied for each task: make it and its fields serializable (a class nested in a"
          + " test or other non-serializable class must be static): " + e, e);
    }
  }

  private static Constructor<?> constructor(Op op, ClassLoader cl) {
    String name = className(op);
    if (name == null) {
      throw new IllegalArgumentException(op.label() + " is not a stream operator");
    }
    Class<?> type;
    try {
      type = Class.forName(name, false, cl != null ? cl : StreamOperators.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("no implementation of " + op.label() + " on the class path: class "
          + name + " is missing (it must implement " + StreamOperator.class.getName()
          + " and have a public constructor taking " + op.getClass().getName().replace('$', '.') + ")", e);
    }
    if (!StreamOperator.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(name + " (for " + op.label() + ") does not implement "
          + StreamOperator.class.getName());
    }
    try {
      return type.getConstructor(op.getClass());
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(name + " (for " + op.label() + ") has no public constructor taking "
          + op.getClass().getName().replace('$', '.'), e);
    }
  }
}
