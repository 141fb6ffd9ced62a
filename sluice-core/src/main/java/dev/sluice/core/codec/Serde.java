package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;
import dev.sluice.api.Aggregations;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;
import dev.sluice.api.codec.Codec;
import dev.sluice.api.plan.LogicalPlan;
import dev.sluice.api.source.DeadLetter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * Serializes records for spill files (and later checkpoints), with Kryo underneath.
 *
 * <p>One per job; thread-safe. Kryo instances are not, so they are pooled: a {@link SpillOutput}
 * or {@link SpillInput} holds one for its life, {@link #toBytes}/{@link #fromBytes} borrow one per
 * call. Classes in the built-in safe set are written as small fixed ids; any other class is
 * written by name, and reading a name back is allowed only for the built-in set, the types the
 * job registered ({@code Pipeline.registerType}, {@code Pipeline.registerCodec}), the operators'
 * checkpoint snapshot records, and the classes this instance has itself written; anything else
 * fails before the class is even loaded.
 *
 * <p>Records are trees: shared references are written twice and cycles are not supported.
 */
public final class Serde {
  /** First Kryo registration id of the built-in set; Kryo itself uses 0..9 for primitives. */
  private static final int FIRST_ID = 16;

  private static final List<Class<?>> BUILT_INS = List.of(
      long[].class, int[].class, double[].class, float[].class, short[].class, byte[].class,
      char[].class, boolean[].class, Object[].class, String[].class,
      BigDecimal.class, BigInteger.class, UUID.class,
      Instant.class, Duration.class, LocalDate.class, LocalTime.class, LocalDateTime.class,
      OffsetDateTime.class, OffsetTime.class, ZonedDateTime.class, ZoneOffset.class,
      ZoneId.of("Europe/Paris").getClass(), Year.class, YearMonth.class, MonthDay.class,
      Period.class, DayOfWeek.class, Month.class,
      ArrayList.class, LinkedList.class, HashMap.class, LinkedHashMap.class, TreeMap.class,
      HashSet.class, LinkedHashSet.class, TreeSet.class,
      List.of().getClass(), List.of(1).getClass(), List.of(1, 2, 3).subList(0, 1).getClass(),
      Set.of().getClass(), Set.of(1).getClass(), Map.of().getClass(), Map.of(1, 1).getClass(),
      Collections.emptyList().getClass(), Collections.emptySet().getClass(),
      Collections.emptyMap().getClass(), Collections.singletonList(1).getClass(),
      Collections.singleton(1).getClass(), Collections.singletonMap(1, 1).getClass(),
      Arrays.asList(1).getClass(),
      KV.class, Joined.class, DeadLetter.class, Aggregations.Holder.class);

  /**
   * The records operators return from {@code StreamOperator.snapshotState}, and what they hold,
   * which a restarted job reads back from a checkpoint it did not write itself. Allowed by name
   * only (no fixed ids, so the ids of the built-in set, and spill files, are unchanged).
   */
  private static final List<Class<?>> CHECKPOINT_TYPES = List.of(
      dev.sluice.api.time.TimeDomain.class, dev.sluice.api.window.Window.class,
      dev.sluice.core.stream.state.KeyGroupRange.class,
      dev.sluice.core.stream.state.KeyedStateSnapshot.class,
      dev.sluice.core.stream.state.KeyedStateSnapshot.KeyGroupState.class,
      dev.sluice.core.stream.state.KeyedStateSnapshot.StateEntry.class,
      dev.sluice.core.stream.state.KeyedStateSnapshot.TimerEntry.class,
      dev.sluice.core.stream.state.KeyedStateSnapshot.Removed.class,
      dev.sluice.core.stream.state.KeyedStateSnapshot.TimerChanges.class,
      dev.sluice.core.stream.state.KeyGroupEntries.class,
      dev.sluice.core.stream.keyed.KeyedProcessOperator.Snapshot.class,
      dev.sluice.core.stream.keyed.KeyedProcessOperator.IncrementalSnapshot.class,
      dev.sluice.core.stream.keyed.ProcessOperator.Snapshot.class,
      dev.sluice.core.stream.window.WindowOperator.Snapshot.class,
      dev.sluice.core.stream.window.WindowOperator.PaneKey.class,
      dev.sluice.core.stream.window.WindowOperator.GenericKey.class,
      dev.sluice.core.stream.window.WindowOperator.GenericWin.class,
      dev.sluice.core.stream.join.WindowJoinOperator.Snapshot.class,
      dev.sluice.core.stream.join.WindowJoinOperator.PaneEntry.class,
      dev.sluice.core.stream.join.IntervalJoinOperator.Snapshot.class,
      dev.sluice.core.stream.join.IntervalJoinOperator.KeyBuffers.class,
      dev.sluice.core.stream.join.EnrichOperator.Snapshot.class,
      dev.sluice.core.stream.join.EnrichOperator.Pending.class);

  private static final List<Class<?>> KRYO_DEFAULTS = List.of(
      int.class, long.class, double.class, float.class, short.class, byte.class, char.class,
      boolean.class, Integer.class, Long.class, Double.class, Float.class, Short.class, Byte.class,
      Character.class, Boolean.class, String.class);

  private final Map<Class<?>, Codec<?>> codecs;
  private final Set<Class<?>> allowedTypes;
  /**
   * Whether {@code KeyedStateSnapshot} is written with {@link KeyedStateSnapshotSerializer} (the
   * streamed layout of state files version 2) rather than Kryo's record layout (version 1).
   */
  final boolean streamedSnapshots;
  /** Class names a reader may resolve; grows as this instance writes new classes. */
  private final Set<String> allowed = ConcurrentHashMap.newKeySet();
  /** Class names this instance wrote by name. */
  private final Set<String> written = ConcurrentHashMap.newKeySet();
  private final ClassLoader classLoader;
  /** Kryos held by open spill files (obtained once per file). */
  private final Pool<Slot> pool;
  /**
   * Kryos for {@link #toBytes}/{@link #fromBytes}: a per-call pool round trip costs more than
   * serializing a small record (about 180 ns against 70 ns, measured), a thread-local lookup
   * almost nothing.
   */
  private final ThreadLocal<Slot> local = ThreadLocal.withInitial(() -> new Slot(newKryo()));

  /**
   * @param userCodecs codecs by the exact class they serialize
   * @param allowedTypes further classes that may be read back although this instance never wrote
   *     them (data written by an earlier run)
   */
  public Serde(Map<Class<?>, Codec<?>> userCodecs, Set<Class<?>> allowedTypes) {
    this(userCodecs, allowedTypes, true);
  }

  private Serde(Map<Class<?>, Codec<?>> userCodecs, Set<Class<?>> allowedTypes, boolean streamedSnapshots) {
    this.codecs = Map.copyOf(Objects.requireNonNull(userCodecs, "userCodecs"));
    this.allowedTypes = Set.copyOf(Objects.requireNonNull(allowedTypes, "allowedTypes"));
    this.streamedSnapshots = streamedSnapshots;
    for (Class<?> c : BUILT_INS) {
      allowed.add(c.getName());
    }
    for (Class<?> c : UnmodifiableSerializer.types()) {
      allowed.add(c.getName());
    }
    for (Class<?> c : KRYO_DEFAULTS) {
      allowed.add(c.getName());
    }
    for (Class<?> c : CHECKPOINT_TYPES) {
      allow(c);
    }
    for (Class<?> c : Objects.requireNonNull(allowedTypes, "allowedTypes")) {
      allow(c);
    }
    for (Class<?> c : codecs.keySet()) {
      allow(c);
    }
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    this.classLoader = context != null ? context : Serde.class.getClassLoader();
    int slots = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    this.pool = new Pool<>(true, false, slots) {
      @Override
      protected Slot create() {
        return new Slot(newKryo());
      }
    };
  }

  private void allow(Class<?> type) {
    allowed.add(type.getName());
    if (type.isEnum()) {
      for (Object constant : type.getEnumConstants()) {
        allowed.add(constant.getClass().getName()); // constants with a body are subclasses
      }
    }
  }

  public static Serde forPlan(LogicalPlan plan) {
    return new Serde(plan.codecs(), plan.allowedTypes());
  }

  /**
   * A Serde for the same codecs and types that reads (and writes) {@code KeyedStateSnapshot} in the
   * record layout of checkpoint state files version 1, with the class names this one allows.
   */
  public Serde withVersion1Snapshots() {
    Serde legacy = new Serde(codecs, allowedTypes, false);
    legacy.allowed.addAll(allowed);
    return legacy;
  }

  /** Buffer of {@link #write}/{@link #read}. */
  private static final int STREAM_BUFFER = 1 << 20;
  /**
   * The 1 MiB buffers of {@link #write} (state files), kept for the next write: a fresh one per file
   * was a sixth of the demo's allocation at 200k clicks/s. At most four are kept (the checkpoint
   * writer threads), so a Serde holds at most 4 MiB of them.
   */
  private final java.util.concurrent.ArrayBlockingQueue<Output> streams = new java.util.concurrent.ArrayBlockingQueue<>(4);

  /**
   * Writes {@code value} (class tag included, as {@link #toBytes}) into {@code out} through a 1 MiB
   * buffer, flushing it at the end; nothing of the size of the whole value is held in memory beyond
   * the value itself. Large keyed state snapshots stream group by group
   * ({@link KeyedStateSnapshotSerializer}).
   */
  public void write(java.io.OutputStream out, Object value) {
    Slot slot = pool.obtain();
    Output o = streams.poll();
    if (o == null) {
      o = new Output(STREAM_BUFFER);
    }
    try {
      o.setOutputStream(out);
      try {
        slot.kryo.writeClassAndObject(o, value);
        o.flush();
      } catch (RuntimeException e) {
        throw writeFailure(value, e);
      }
    } finally {
      o.setOutputStream(null);
      streams.offer(o); // kept for the next write unless enough are kept already
      slot.kryo.reset();
      pool.free(slot);
    }
  }

  /**
   * Reads one value written by {@link #write} from {@code in} through a 1 MiB buffer; a damaged
   * stream fails with a {@link CodecException} naming {@code where} and the byte offset. The stream
   * must end where the value does: bytes after it fail too.
   */
  public Object read(java.io.InputStream in, String where) {
    Slot slot = pool.obtain();
    try {
      Input i = new Input(in, STREAM_BUFFER);
      Object value;
      try {
        value = slot.kryo.readClassAndObject(i);
      } catch (RuntimeException | StackOverflowError e) {
        throw readFailure(where, i.total(), e);
      }
      if (!i.end()) {
        throw new CodecException(where + " is corrupt: bytes follow the value at byte " + i.total());
      }
      return value;
    } finally {
      slot.kryo.reset();
      pool.free(slot);
    }
  }

  /** Creates (or truncates) {@code file} and returns a buffered writer for it. */
  public SpillOutput openWrite(Path file) throws IOException {
    return new SpillFileWriter(this, file);
  }

  /** Opens a file written by {@link #openWrite}; a missing file fails with a message naming it. */
  public SpillInput openRead(Path file) throws IOException {
    return new SpillFileReader(this, file);
  }

  /** One value as bytes (class tag included). For tests and benchmarks: spilling uses files. */
  public byte[] toBytes(Object value) {
    Slot slot = acquireLocal();
    try {
      Output out = slot.output;
      out.reset();
      try {
        slot.kryo.writeClassAndObject(out, value);
      } catch (RuntimeException e) {
        throw writeFailure(value, e);
      }
      byte[] bytes = out.toBytes();
      if (out.getBuffer().length > (1 << 20)) {
        out.setBuffer(new byte[4096], -1);
      }
      return bytes;
    } finally {
      releaseLocal(slot);
    }
  }

  public Object fromBytes(byte[] bytes) {
    Slot slot = acquireLocal();
    try {
      Input in = slot.input;
      in.setBuffer(bytes);
      try {
        return slot.kryo.readClassAndObject(in);
      } catch (RuntimeException | StackOverflowError e) {
        throw readFailure("serialized value", in.position(), e);
      } finally {
        in.setBuffer(EMPTY);
      }
    } finally {
      releaseLocal(slot);
    }
  }

  /** This thread's slot, or a pooled one if this thread's is busy (a codec calling back in). */
  private Slot acquireLocal() {
    Slot slot = local.get();
    if (slot.busy) {
      return pool.obtain();
    }
    slot.busy = true;
    return slot;
  }

  private void releaseLocal(Slot slot) {
    if (slot.busy) {
      slot.busy = false;
    } else {
      pool.free(slot);
    }
  }

  private static final byte[] EMPTY = new byte[0];

  // ---- used by the resolver and the spill files

  /**
   * A Kryo for a spill file's life. Files reset Kryo per block, not per record, so a class name is
   * written once per block and later records of that class refer to it by a small number.
   */
  Slot borrow() {
    Slot slot = pool.obtain();
    slot.kryo.setAutoReset(false);
    slot.kryo.reset();
    if (slot.block == null) {
      slot.block = new byte[SpillFormat.HEADER_SIZE + SpillFormat.BLOCK_SIZE + 1024];
    }
    return slot;
  }

  void release(Slot slot) {
    slot.kryo.reset();
    slot.kryo.setAutoReset(true);
    pool.free(slot);
  }

  boolean isAllowed(String className) {
    if (allowed.contains(className)) {
      return true;
    }
    if (className.startsWith("[")) {
      String component = className.substring(className.lastIndexOf('[') + 1);
      if (component.length() == 1) {
        return true; // an array of primitives
      }
      return component.startsWith("L") && component.endsWith(";")
          && allowed.contains(component.substring(1, component.length() - 1));
    }
    return false;
  }

  void recordWritten(Class<?> type) {
    allowed.add(type.getName());
    written.add(type.getName());
  }

  /**
   * The names of the classes this instance wrote by name (not in the built-in set): a checkpoint
   * records them so that the job restoring it may read exactly those back.
   */
  public java.util.SortedSet<String> writtenClassNames() {
    return new java.util.TreeSet<>(written);
  }

  /**
   * Allows reading back classes an earlier run wrote ({@link #writtenClassNames()} of that run, as
   * recorded in its checkpoint). Nothing is loaded here; a name is only compared when read.
   */
  public void allowClassNames(java.util.Collection<String> names) {
    allowed.addAll(names);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  Registration codecRegistration(Class<?> type) {
    Codec codec = codecs.get(type);
    return codec == null ? null
        : new Registration(type, new CodecSerializer(type, codec), DefaultClassResolver.NAME);
  }

  CodecException writeFailure(Object value, RuntimeException e) {
    if (e instanceof CodecException ce) {
      return ce;
    }
    String type = value == null ? "null" : value.getClass().getName();
    return new CodecException("cannot serialize a value of class " + type
        + ": " + rootMessage(e), e);
  }

  /** Turns whatever Kryo threw while reading into one clear message. */
  CodecException readFailure(String where, long offset, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GuardedClassResolver.DisallowedClassException d) {
        String hint = d.className.startsWith("[")
            ? d.className.substring(d.className.lastIndexOf('[') + 2, d.className.length() - 1)
            : d.className;
        hint = hint.replaceAll("\\$[0-9]+$", ""); // an enum constant's body: name the enum
        return new CodecException(where + " holds a value of class " + d.className
            + ", which this job did not write and is not registered; register it with"
            + " Pipeline.registerType(" + hint.replace('$', '.') + ".class)");
      }
      if (t instanceof CodecException c) {
        return new CodecException(where + " at byte " + offset + ": " + c.getMessage(), c);
      }
    }
    return new CodecException(where + " is truncated or corrupt at byte " + offset
        + ": cannot read a value (" + rootMessage(e) + ")", e);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    if (msg != null) {
      int nl = msg.indexOf('\n');
      msg = nl >= 0 ? msg.substring(0, nl) : msg;
    }
    return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }

  private Kryo newKryo() {
    Kryo kryo = new Kryo(new GuardedClassResolver(this), null);
    kryo.setRegistrationRequired(false);
    kryo.setWarnUnregisteredClasses(false);
    kryo.setReferences(false);
    kryo.setClassLoader(classLoader);
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    ImmutableCollectionsSerializers.addDefaultSerializers(kryo);
    int id = FIRST_ID;
    for (Class<?> c : BUILT_INS) {
      if (c == UUID.class) {
        kryo.register(c, new DefaultSerializers.UUIDSerializer(), id++); // not a Kryo default
      } else if (c == KV.class) {
        kryo.register(c, new PairSerializers.KVSerializer(), id++);
      } else if (c == Joined.class) {
        kryo.register(c, new PairSerializers.JoinedSerializer(), id++);
      } else {
        kryo.register(c, id++);
      }
    }
    Class<?>[] unmodifiable = UnmodifiableSerializer.types();
    UnmodifiableSerializer.Kind[] kinds = UnmodifiableSerializer.kinds();
    for (int i = 0; i < unmodifiable.length; i++) {
      kryo.register(unmodifiable[i], new UnmodifiableSerializer(kinds[i]), id++);
    }
    // A codec for a class that already has an id replaces that class's serializer; codecs for
    // other classes are picked up by GuardedClassResolver.registerImplicit.
    for (Map.Entry<Class<?>, Codec<?>> e : codecs.entrySet()) {
      Registration existing = kryo.getClassResolver().getRegistration(e.getKey());
      if (existing != null) {
        existing.setSerializer(codecRegistration(e.getKey()).getSerializer());
      }
    }
    return kryo;
  }

  /** A Kryo with its reusable buffers; owned by one thread between obtain and free. */
  static final class Slot {
    final Kryo kryo;
    final Output output = new Output(4096, -1);
    final Input input = new Input();
    /** A spill file's block buffer, kept with the Kryo so opening a file allocates none. */
    byte[] block;
    /** Only for the thread-local slot: set while a toBytes/fromBytes call is using it. */
    boolean busy;

    Slot(Kryo kryo) {
      this.kryo = kryo;
    }
  }
}
