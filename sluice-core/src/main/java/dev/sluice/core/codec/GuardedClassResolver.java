package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.IdentityMap;
import dev.sluice.core.stream.state.KeyedStateSnapshot;

/**
 * Kryo class resolution with an allowlist.
 *
 * <p>Design note: classes without a fixed registration id are written by name, and a spill or
 * checkpoint file is an input like any other, so a name read from it must not be enough to make
 * Kryo load and instantiate a class (the classic deserialization gadget attack). Kryo's {@code
 * readName} calls {@link #getTypeByName} with every name it reads before it loads the class, so
 * the check sits there: a name that is neither allowed nor written by this job fails before any
 * class is loaded, let alone initialized. Writing goes the other way: every class written by name
 * is recorded in the {@link Serde}'s shared set, since writing it proves the job produces it.
 *
 * <p>One instance per Kryo, so not thread-safe; the shared sets are concurrent.
 */
@SuppressWarnings("rawtypes") // Kryo's ClassResolver signatures use raw Class
final class GuardedClassResolver extends DefaultClassResolver {
  private final Serde serde;
  /** Classes this Kryo already recorded as written; avoids touching the shared set per record. */
  private final IdentityMap<Class<?>, Boolean> recorded = new IdentityMap<>();

  GuardedClassResolver(Serde serde) {
    this.serde = serde;
  }

  @Override
  public Registration registerImplicit(Class type) {
    Registration codec = serde.codecRegistration(type);
    if (codec == null && serde.streamedSnapshots && type == KeyedStateSnapshot.class) {
      codec = new Registration(type, new KeyedStateSnapshotSerializer(), NAME);
    }
    return codec != null ? register(codec) : super.registerImplicit(type);
  }

  @Override
  protected void writeName(Output output, Class type, Registration registration) {
    // Kryo writes the value's own class name (an enum constant with a body: Color$1), not the
    // registration's type, so that is the name to allow.
    if (recorded.get(type) == null) {
      serde.recordWritten(type);
      recorded.put(type, Boolean.TRUE);
    }
    super.writeName(output, type, registration);
  }

  @Override
  protected Class getTypeByName(String className) {
    if (!serde.isAllowed(className)) {
      throw new DisallowedClassException(className);
    }
    return super.getTypeByName(className);
  }

  /** Thrown inside Kryo; the caller turns it into a {@link CodecException} that names the file. */
  static final class DisallowedClassException extends RuntimeException {
    final String className;

    DisallowedClassException(String className) {
      super("class " + className + " is not allowed", null, false, false);
      this.className = className;
    }
  }
}
