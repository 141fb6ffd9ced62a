package dev.sluice.core.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;

/**
 * Gives each streaming task its own copy of a stream operator's plan node, and so of its user
 * functions. Process functions keep state handles and other per-task fields ("one instance per
 * task", as their contract says), but the plan holds one instance that every task of a stage would
 * otherwise share: the second task's {@code open} would rebind the first task's state handles.
 * Copied by Java serialization, as Flink does.
 */
final class FunctionCopies {
  private FunctionCopies() {}

  /** A deep copy of {@code fn}; {@code fn} itself if it cannot be serialized (then its functions must be stateless). */
  @SuppressWarnings("unchecked")
  static <T extends Serializable> T copy(T fn) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(fn);
      }
      ClassLoader loader = fn.getClass().getClassLoader();
      try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()), loader)) {
        return (T) in.readObject();
      }
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return fn;
    }
  }

  /** Resolves classes with the function's own class loader (user code may not be on the system loader). */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (loader != null) {
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          // fall back to the default resolution (primitives, JDK classes)
        }
      }
      return super.resolveClass(desc);
    }
  }
}
