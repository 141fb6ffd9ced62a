package dev.sluice.rocksdb;

import dev.sluice.api.Aggregation;
import dev.sluice.api.function.ReduceFunction;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.State;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.io.FileOutput;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.state.AbstractKeyedStateBackend;
import dev.sluice.core.stream.state.HeapTimers;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateBackend;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import dev.sluice.core.stream.state.NativeCheckpointFiles;
import dev.sluice.core.stream.state.NativeCheckpointing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.rocksdb.Checkpoint;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed state of one task in an embedded RocksDB, on local disk: state larger than the heap. Not
 * thread-safe; used by the task's thread only (see {@link KeyedStateBackend}).
 *
 * <p>Design note. One RocksDB instance per task, in a fresh directory under the job's temp
 * directory, removed on {@link #close}. Keys and values are bytes written with the job's
 * {@link Serde} (Kryo, with its class allowlist); the layout is in {@link StateKeys}: a two-byte key
 * group first, so a key-group range is a contiguous key range and a snapshot of a range is one
 * iterator over a RocksDB {@link Snapshot}. Each state kind maps onto rows as follows:
 * <ul>
 *   <li>value, reducing and aggregating state: one row per key, read-modify-write for
 *       {@code add};
 *   <li>list state: one row per key whose value is a sequence of chunks (write time, length,
 *       element) joined by RocksDB's string-append <b>merge operator</b>, so {@code add} is a blind
 *       write that does not read the list (unless the state has a TTL: an expired list must be
 *       dropped before the add); {@code get} reads the whole list into an {@code ArrayList};
 *   <li>map state: a head row per key (its write time) plus one row per map entry, the entry's
 *       user key appended to the head row's key; {@code get/put/contains} touch one row, iteration
 *       reads the map's rows into a {@code LinkedHashMap}.
 * </ul>
 * TTL is a write-time prefix (8 bytes) in the value (the head row for maps, the newest chunk for
 * lists), checked on access as on the heap. Timers stay on the heap ({@link HeapTimers}): at most
 * one per key and time, they are small next to the state.
 *
 * <p>Keys must serialize deterministically (equal keys to equal bytes): strings, numbers, enums,
 * records and other value types do; a key whose encoding depends on iteration order (a
 * {@code HashMap}) does not.
 *
 * <p>Writes skip RocksDB's write-ahead log: the state of a crashed task is restored from the last
 * checkpoint, not from the local directory.
 */
public final class RocksDbKeyedStateBackend extends AbstractKeyedStateBackend implements NativeCheckpointing {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDbKeyedStateBackend.class);
  private static final int MAX_STATES = 1 << 16;

  private final String owner;
  private final LongSupplier clock;
  private final Serde serde;
  private final Path dir;
  private final Options options;
  private final WriteOptions writeOptions;
  /** Replaced once, by a native restore of the same range into this (empty) instance. */
  private RocksDB db;
  private final Map<String, StateInfo> states = new LinkedHashMap<>();
  private final StateInfo[] byId = new StateInfo[MAX_STATES];
  /**
   * Restored entries of states not registered yet, by state name, kept on the heap until they are
   * (the kind, and so the layout, is known only then); values serialized at once, so the snapshot's
   * objects may change afterwards.
   */
  private final Map<String, List<RestoredEntry>> unregistered = new LinkedHashMap<>();
  private final StateKeys.Parsed parsed = new StateKeys.Parsed();
  /** {@code group | len | key} of the current key. */
  private byte[] prefix = new byte[64];
  private int prefixLen;
  /** The key (and its group) whose prefix is in {@link #prefix}. */
  private Object prefixKey;
  private int prefixGroup;
  private boolean closed;
  /** Names this instance's SST files in a checkpoint's shared directory. */
  private final String instanceId = java.util.UUID.randomUUID().toString();
  /** Local SST file name to its name in the shared directory, for files a checkpoint already holds. */
  private final Map<String, String> uploaded = new HashMap<>();
  private int checkpointSeq;

  private record RestoredEntry(int group, Object key, byte[] value, long writtenAt) {}

  /**
   * Opens a fresh RocksDB instance in a new directory under {@code tempDir}.
   *
   * @param owner the task, for messages and the directory's name
   * @param serde the job's serializer for keys and values
   */
  public RocksDbKeyedStateBackend(String owner, int maxKeyGroups, KeyGroupRange range, LongSupplier clock, Serde serde,
                                  Path tempDir) {
    this(owner, maxKeyGroups, range, clock, serde, tempDir, null);
  }

  /** {@code maxKeyGroups}, checked against the two-byte key group of the row keys ({@link StateKeys}). */
  private static int rocksDbMaxKeyGroups(int maxKeyGroups) {
    if (maxKeyGroups < 1 || maxKeyGroups > 1 << 16) {
      throw new IllegalArgumentException("maxKeyGroups must be in [1, 65536] for the RocksDB state backend, was " + maxKeyGroups);
    }
    return maxKeyGroups;
  }

  /** Opens an instance whose directory is first filled with the files of {@code seed} (a native restore of the same range). */
  private RocksDbKeyedStateBackend(String owner, int maxKeyGroups, KeyGroupRange range, LongSupplier clock, Serde serde,
                                   Path tempDir, NativeCheckpoint seed) {
    super(rocksDbMaxKeyGroups(maxKeyGroups), range);
    this.owner = Objects.requireNonNull(owner, "owner");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.serde = Objects.requireNonNull(serde, "serde");
    NativeLibrary.load();
    try {
      Files.createDirectories(tempDir);
      this.dir = Files.createTempDirectory(tempDir, "rocksdb-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the RocksDB directory of " + owner + " under " + tempDir + " ("
          + e.getMessage() + "); set RunOptions.withTempDir to a writable directory with free space", e);
    }
    Options o = options();
    try {
      if (seed != null) {
        copyFiles(seed, dir);
        for (String shared : seed.sharedFiles()) {
          uploaded.put(NativeCheckpoint.localName(shared), shared);
        }
      }
      this.db = RocksDB.open(o, dir.toString());
    } catch (RocksDBException | IOException | RuntimeException e) {
      o.close();
      deleteTree(dir);
      throw new IllegalStateException("cannot open RocksDB for the keyed state of " + owner + " in " + dir
          + (seed == null ? "" : " from the checkpoint in " + seed.checkpointDir()) + ": " + e.getMessage(), e);
    }
    this.options = o;
    this.writeOptions = new WriteOptions().setDisableWAL(true);
  }

  private static Options options() {
    return new Options()
        .setCreateIfMissing(true)
        .setMergeOperator(NativeLibrary.mergeOperator())
        .setKeepLogFileNum(2)
        .setMaxBackgroundJobs(2);
  }

  /** The directory of this task's RocksDB instance (removed on {@link #close}). */
  public Path directory() {
    return dir;
  }

  // ---- current key ----

  /** Also writes the key's row prefix, which {@link #clearCurrentKey} keeps: the next call with the same key reuses it. */
  @Override
  public void setCurrentKey(Object key) {
    if (key != null && key.equals(prefixKey)) {
      currentKey = key;
      currentGroup = prefixGroup;
      return; // same key as the last element or timer: its prefix is already there
    }
    int group = ownedKeyGroup(key);
    byte[] k = serde.toBytes(key);
    int max = StateKeys.maxPrefixLength(k.length) + 2;
    if (prefix.length < max) {
      prefix = new byte[Math.max(max, prefix.length * 2)];
    }
    prefixLen = StateKeys.writePrefix(prefix, group, k);
    prefixKey = key;
    prefixGroup = group;
    currentKey = key;
    currentGroup = group;
  }

  /** Also throws once the backend is closed. */
  @Override
  protected void requireKey() {
    super.requireKey();
    requireOpen();
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the RocksDB state backend of " + owner + " is closed");
    }
  }

  // ---- state handles ----

  @Override
  @SuppressWarnings("unchecked")
  public <S extends State> S state(StateSpec<S> spec) {
    Objects.requireNonNull(spec, "spec");
    requireOpen();
    StateInfo info = states.get(spec.name());
    if (info != null && info.kind != spec.kind()) {
      throw new IllegalArgumentException("state '" + spec.name() + "' is already registered as "
          + info.kind + ", cannot register it again as " + spec.kind());
    }
    if (info != null && info.handle != null) {
      return (S) info.handle;
    }
    if (info == null) {
      info = newState(spec.name(), spec.kind());
    }
    info.register(spec);
    info.handle = switch (spec.kind()) {
      case VALUE -> new ValueHandle(info);
      case LIST -> new ListHandle(info);
      case MAP -> new MapHandle(info);
      case REDUCING -> new ReducingHandle(info, (ReduceFunction<Object>) spec.reducer());
      case AGGREGATING -> new AggregatingHandle(info, (Aggregation<Object, Object, Object>) spec.aggregation());
    };
    List<RestoredEntry> pending = unregistered.remove(info.name);
    if (pending != null) {
      writeRestored(info, pending);
    }
    return (S) info.handle;
  }

  /** A state whose rows may exist before it is registered (restored from a native checkpoint). */
  private StateInfo newState(String name, StateSpec.Kind kind) {
    if (states.size() >= MAX_STATES) {
      throw new IllegalStateException("an operator can have at most " + MAX_STATES + " keyed states");
    }
    StateInfo info = new StateInfo(name, states.size(), kind);
    states.put(name, info);
    byId[info.id] = info;
    return info;
  }

  @Override
  public long minTtlMillis() {
    long min = 0;
    for (StateInfo s : states.values()) {
      if (s.ttl > 0 && (min == 0 || s.ttl < min)) {
        min = s.ttl;
      }
    }
    return min;
  }

  @Override
  public int removeExpired() {
    requireOpen();
    boolean any = false;
    for (StateInfo s : states.values()) {
      any |= s.ttl > 0;
    }
    if (!any) {
      return 0;
    }
    long now = clock.getAsLong();
    int removed = 0;
    try (WriteBatch batch = new WriteBatch(); RocksIterator it = db.newIterator()) {
      byte[] expiredMap = null;
      int expiredMapLen = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (expiredMap != null && StateKeys.startsWith(k, expiredMap, expiredMapLen)) {
          batch.delete(k); // an entry of an expired map
          continue;
        }
        expiredMap = null;
        parsed.parse(k);
        StateInfo s = byId[parsed.stateId];
        if (s == null || s.ttl <= 0 || parsed.mapKeyOffset < k.length) {
          continue; // no TTL, or an entry of a live map (its head row holds the write time)
        }
        byte[] v = it.value();
        long writtenAt = s.kind == StateSpec.Kind.LIST ? listWrittenAt(v) : StateKeys.readLong(v, 0);
        if (now - writtenAt >= s.ttl) {
          batch.delete(k);
          removed++;
          if (s.kind == StateSpec.Kind.MAP) {
            expiredMap = k;
            expiredMapLen = k.length;
          }
        }
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure("removing expired state", e);
    }
    return removed;
  }

  @Override
  public int size(String name) {
    requireOpen();
    StateInfo s = states.get(name);
    if (s == null) {
      List<RestoredEntry> pending = unregistered.get(name);
      return pending == null ? 0 : pending.size();
    }
    int n = 0;
    try (RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        parsed.parse(k);
        if (parsed.stateId == s.id && parsed.mapKeyOffset == k.length) {
          n++;
        }
      }
    }
    return n;
  }

  @Override
  public Object inspect(String name, Object key) throws Exception {
    requireOpen();
    StateInfo s = states.get(name);
    int group = KeyGroups.of(key, maxKeyGroups);
    if (s == null) {
      List<RestoredEntry> pending = unregistered.get(name);
      if (pending == null) {
        throw new IllegalArgumentException("the operator has no state named '" + name + "'; its states are "
            + states.keySet());
      }
      for (RestoredEntry e : pending) {
        if (e.key().equals(key)) {
          Object v = serde.fromBytes(e.value());
          return v instanceof List<?> l ? Collections.unmodifiableList(l)
              : v instanceof Map<?, ?> m ? Collections.unmodifiableMap(m) : v;
        }
      }
      return null;
    }
    if (!range.contains(group)) {
      return null;
    }
    byte[] k = serde.toBytes(key);
    byte[] p = new byte[StateKeys.maxPrefixLength(k.length) + 2];
    int len = StateKeys.writePrefix(p, group, k);
    byte[] stateKey = stateKey(p, len, s);
    long now = clock.getAsLong();
    byte[] v = dbGet(stateKey);
    if (v == null) {
      return null;
    }
    switch (s.kind) {
      case LIST -> {
        if (s.ttl > 0 && now - listWrittenAt(v) >= s.ttl) {
          return null;
        }
        return Collections.unmodifiableList(decodeList(v));
      }
      case MAP -> {
        if (s.ttl > 0 && now - StateKeys.readLong(v, 0) >= s.ttl) {
          return null;
        }
        return Collections.unmodifiableMap(new HashMap<>(readMap(stateKey)));
      }
      default -> {
        if (s.ttl > 0 && now - StateKeys.readLong(v, 0) >= s.ttl) {
          return null;
        }
        Object value = decode(v, StateKeys.TS_BYTES);
        if (s.kind == StateSpec.Kind.AGGREGATING && s.spec != null) {
          @SuppressWarnings("unchecked")
          Aggregation<Object, Object, Object> agg = (Aggregation<Object, Object, Object>) s.spec.aggregation();
          return agg.export(value);
        }
        return value;
      }
    }
  }

  // ---- timers: on the heap, see AbstractKeyedStateBackend ----

  // ---- snapshot and restore ----

  /**
   * Reads the range from a RocksDB snapshot with one iterator and decodes every row: the same
   * {@link KeyedStateSnapshot} as the heap backend gives (entries of a key group in key order, not
   * in the heap's order). The snapshot is on the heap: a checkpoint of state larger than the heap
   * needs native (file) checkpoints, see {@link #checkpointTo}.
   */
  @Override
  public KeyedStateSnapshot snapshot(KeyGroupRange groups) {
    requireOpen();
    requireOwned(groups);
    long now = clock.getAsLong();
    TreeMap<Integer, KeyedStateSnapshot.KeyGroupState> out = new TreeMap<>();
    Snapshot snapshot = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot); RocksIterator it = db.newIterator(ro)) {
      HashMap<Object, Object> openMap = null;
      byte[] mapHead = null;
      boolean skipMap = false;
      for (it.seek(StateKeys.groupBound(groups.start())); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (StateKeys.group(k) >= groups.end()) {
          break;
        }
        if (mapHead != null && StateKeys.startsWith(k, mapHead, mapHead.length) && k.length > mapHead.length) {
          if (!skipMap) {
            openMap.put(serde.fromBytes(Arrays.copyOfRange(k, mapHead.length, k.length)), serde.fromBytes(it.value()));
          }
          continue;
        }
        mapHead = null;
        parsed.parse(k);
        StateInfo s = byId[parsed.stateId];
        if (s == null) {
          throw new IllegalStateException("RocksDB state of " + owner + " holds a row of unknown state id " + parsed.stateId);
        }
        byte[] v = it.value();
        Object value;
        long writtenAt;
        switch (s.kind) {
          case LIST -> {
            writtenAt = listWrittenAt(v);
            value = decodeList(v);
          }
          case MAP -> {
            writtenAt = StateKeys.readLong(v, 0);
            mapHead = k;
            skipMap = s.ttl > 0 && now - writtenAt >= s.ttl;
            openMap = new HashMap<>();
            value = openMap;
          }
          default -> {
            writtenAt = StateKeys.readLong(v, 0);
            value = decode(v, StateKeys.TS_BYTES);
          }
        }
        if (s.ttl > 0 && now - writtenAt >= s.ttl) {
          continue;
        }
        Object key = serde.fromBytes(Arrays.copyOfRange(k, parsed.keyOffset, parsed.keyOffset + parsed.keyLength));
        group(out, parsed.group).entries().add(new KeyedStateSnapshot.StateEntry(s.name, key, value, writtenAt));
      }
    } finally {
      db.releaseSnapshot(snapshot);
    }
    return heapPart(groups, out);
  }

  /** Adds what lives on the heap (restored entries of unregistered states, timers) to {@code out}. */
  private KeyedStateSnapshot heapPart(KeyGroupRange groups, TreeMap<Integer, KeyedStateSnapshot.KeyGroupState> out) {
    for (Map.Entry<String, List<RestoredEntry>> e : unregistered.entrySet()) {
      for (RestoredEntry r : e.getValue()) {
        if (groups.contains(r.group())) {
          group(out, r.group()).entries().add(
              new KeyedStateSnapshot.StateEntry(e.getKey(), r.key(), serde.fromBytes(r.value()), r.writtenAt()));
        }
      }
    }
    timers.snapshot(maxKeyGroups, groups, g -> group(out, g));
    return new KeyedStateSnapshot(maxKeyGroups, groups, new ArrayList<>(out.values()));
  }

  @Override
  public void restore(KeyedStateSnapshot snapshot) {
    requireOpen();
    if (snapshot.maxKeyGroups() != maxKeyGroups) {
      throw new IllegalArgumentException("cannot restore a snapshot of " + snapshot.maxKeyGroups()
          + " key groups into a backend of " + maxKeyGroups + ": the number of key groups must not change");
    }
    Map<String, List<RestoredEntry>> byState = new LinkedHashMap<>();
    for (KeyedStateSnapshot.KeyGroupState g : snapshot.groups()) {
      int group = g.keyGroup();
      if (!range.contains(group)) {
        continue;
      }
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        byState.computeIfAbsent(e.state(), n -> new ArrayList<>())
            .add(new RestoredEntry(group, e.key(), serde.toBytes(e.value()), e.writtenAt()));
      }
      for (KeyedStateSnapshot.TimerEntry t : g.timers()) {
        timers.register(t.domain(), t.key(), t.time());
      }
    }
    for (Map.Entry<String, List<RestoredEntry>> e : byState.entrySet()) {
      StateInfo s = states.get(e.getKey());
      if (s == null) {
        unregistered.computeIfAbsent(e.getKey(), n -> new ArrayList<>()).addAll(e.getValue());
      } else {
        writeRestored(s, e.getValue());
      }
    }
  }

  /**
   * A native RocksDB checkpoint of the whole instance in {@code target} (which must not exist):
   * hard links to the immutable SST files plus a copy of the small metadata files, so taking it
   * costs little and two checkpoints share their unchanged files. The base of incremental
   * checkpoints (upload only the SST files the previous checkpoint did not have); jobs use
   * {@link #checkpointNative}.
   */
  public void checkpointTo(Path target) {
    requireOpen();
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw failure("creating a checkpoint in " + target, e);
    }
  }

  /**
   * Hard-links the instance's current files into a fresh staging directory beside it (RocksDB's
   * {@code Checkpoint}: flushes the memtable, links the immutable SST files, copies the small ones).
   */
  private Path stageCheckpoint() {
    requireOpen();
    Path staging = dir.resolveSibling(dir.getFileName() + "-chk-" + (++checkpointSeq));
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(staging.toString());
    } catch (RocksDBException e) {
      throw failure("creating a checkpoint in " + staging, e);
    }
    return staging;
  }

  /**
   * A native, incremental checkpoint: a RocksDB checkpoint (hard links) is staged next to the
   * instance, its SST files are copied to {@code sharedDir} unless an earlier checkpoint of this
   * instance (or the checkpoint it was restored from) already put them there, and the metadata
   * files to {@code checkpointDir}. SST files are immutable and never reused under the same name by
   * one instance, so a file in the shared directory is never overwritten. Copies on the calling
   * thread: the standalone variant; jobs use {@link #checkpointNative}, whose copy runs on the
   * checkpoint I/O thread.
   */
  public NativeCheckpoint checkpointIncremental(Path checkpointDir, Path sharedDir) {
    Path staging = stageCheckpoint();
    try (java.util.stream.Stream<Path> listing = Files.list(staging)) {
      Files.createDirectories(checkpointDir);
      Files.createDirectories(sharedDir);
      List<Path> files = listing.sorted().toList();
      List<String> shared = new ArrayList<>();
      List<String> own = new ArrayList<>();
      Map<String, String> live = new HashMap<>();
      long written = 0;
      long reused = 0;
      for (Path f : files) {
        String name = f.getFileName().toString();
        long size = Files.size(f);
        if (name.endsWith(".sst")) {
          String sharedName = uploaded.get(name);
          if (sharedName != null && Files.exists(sharedDir.resolve(sharedName))) {
            reused += size;
          } else {
            sharedName = instanceId + "-" + name;
            copyAtomically(f, sharedDir.resolve(sharedName));
            written += size;
          }
          live.put(name, sharedName);
          shared.add(sharedName);
        } else {
          copyAtomically(f, checkpointDir.resolve(name));
          own.add(name);
          written += size;
        }
      }
      uploaded.clear();
      uploaded.putAll(live); // files compacted away are not referenced again
      List<NativeCheckpoint.StateMeta> metas = new ArrayList<>();
      for (StateInfo st : states.values()) {
        metas.add(new NativeCheckpoint.StateMeta(st.name, st.id, st.kind));
      }
      return new NativeCheckpoint(NativeCheckpoint.VERSION, maxKeyGroups, range, metas, checkpointDir.toString(),
          sharedDir.toString(), shared, own, heapPart(range, new TreeMap<>()), written, reused);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the RocksDB checkpoint of " + owner + " to " + checkpointDir + " ("
          + e.getMessage() + ")", e);
    } finally {
      deleteTree(staging);
    }
  }

  /**
   * A native checkpoint for the runtime's checkpoint storage: on the task thread only the cheap part
   * (RocksDB stages hard links to the SST files and copies of the small metadata files next to the
   * instance); the files are handed to {@code target}, which copies them on its I/O thread (SST
   * files into the job's shared directory unless a file of that name is there, which is how
   * checkpoints become incremental) and then removes the staging directory. An SST file keeps its
   * shared name ({@code <instance>-<file>}, or the name it was restored from) as long as the
   * instance has it. The returned handle names files relative to the checkpoint's directories.
   */
  @Override
  public NativeCheckpoint checkpointNative(long checkpointId, NativeCheckpointFiles target) {
    Path staging = stageCheckpoint();
    boolean handedOver = false;
    try (java.util.stream.Stream<Path> listing = Files.list(staging)) {
      String privateDir = target.privateDir(checkpointId);
      List<Path> files = listing.sorted().toList();
      List<String> shared = new ArrayList<>();
      List<String> own = new ArrayList<>();
      List<NativeCheckpointFiles.StagedFile> staged = new ArrayList<>();
      Map<String, String> live = new HashMap<>();
      long size = 0;
      for (Path f : files) {
        String name = f.getFileName().toString();
        size += Files.size(f);
        if (name.endsWith(".sst")) {
          String sharedName = uploaded.getOrDefault(name, instanceId + "-" + name);
          live.put(name, sharedName);
          shared.add(sharedName);
          staged.add(new NativeCheckpointFiles.StagedFile(f, sharedName, true));
        } else {
          own.add(name);
          staged.add(new NativeCheckpointFiles.StagedFile(f, privateDir + "/" + name, false));
        }
      }
      uploaded.clear();
      uploaded.putAll(live);
      List<NativeCheckpoint.StateMeta> metas = new ArrayList<>();
      for (StateInfo st : states.values()) {
        metas.add(new NativeCheckpoint.StateMeta(st.name, st.id, st.kind));
      }
      NativeCheckpoint handle = new NativeCheckpoint(NativeCheckpoint.VERSION, maxKeyGroups, range, metas, privateDir,
          "", shared, own, heapPart(range, new TreeMap<>()), size, 0);
      target.stage(checkpointId, staged, () -> deleteTree(staging));
      handedOver = true;
      return handle;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stage the RocksDB checkpoint of " + owner + " in " + staging + " ("
          + e.getMessage() + ")", e);
    } finally {
      if (!handedOver) {
        deleteTree(staging);
      }
    }
  }

  /**
   * Restores into this instance, which must not have been written to yet, from the runtime's
   * native checkpoints of all old tasks ({@link #checkpointNative}): when exactly one covers this
   * range and its state ids agree with the states registered so far, its files become this
   * instance's (nothing is decoded; its SST files keep their shared names, so the next checkpoint
   * reuses them); otherwise the overlapping key groups of each are copied (rescaling). Timers and
   * not-yet-registered entries come from the heap parts.
   */
  @Override
  public void restoreNative(List<Object> handles, Path checkpointDir, Path sharedDir) {
    requireOpen();
    List<NativeCheckpoint> cps = new ArrayList<>();
    for (Object h : handles) {
      if (!(h instanceof NativeCheckpoint cp)) {
        throw new IllegalArgumentException("cannot restore the RocksDB state of " + owner + " from a "
            + (h == null ? "null" : h.getClass().getName()) + " (not a RocksDB native checkpoint)");
      }
      if (cp.maxKeyGroups() != maxKeyGroups) {
        throw new IllegalArgumentException("cannot restore a checkpoint of " + cp.maxKeyGroups()
            + " key groups into a backend of " + maxKeyGroups + ": the number of key groups must not change");
      }
      if (cp.formatVersion() != NativeCheckpoint.VERSION) {
        throw new IllegalArgumentException("the RocksDB checkpoint of " + owner + " in " + checkpointDir
            + " has format version " + cp.formatVersion() + "; this version of Sluice reads version "
            + NativeCheckpoint.VERSION);
      }
      cps.add(cp.resolve(checkpointDir, sharedDir));
    }
    List<NativeCheckpoint> overlapping = new ArrayList<>();
    for (NativeCheckpoint cp : cps) {
      if (Math.max(range.start(), cp.range().start()) < Math.min(range.end(), cp.range().end())) {
        overlapping.add(cp);
      }
    }
    if (overlapping.size() == 1 && overlapping.get(0).range().equals(range) && adoptable(overlapping.get(0))
        && isEmpty()) {
      adopt(overlapping.get(0));
    } else {
      for (NativeCheckpoint cp : overlapping) {
        copyRange(cp, Math.max(range.start(), cp.range().start()), Math.min(range.end(), cp.range().end()));
      }
    }
    for (NativeCheckpoint cp : cps) {
      restore(cp.heapPart());
    }
  }

  /** Whether {@code cp}'s state ids are contiguous and agree with the states registered so far. */
  private boolean adoptable(NativeCheckpoint cp) {
    if (!contiguousIds(cp)) {
      return false;
    }
    for (NativeCheckpoint.StateMeta m : cp.states()) {
      StateInfo mine = states.get(m.name());
      if (mine == null ? byId[m.id()] != null : mine.id != m.id() || mine.kind != m.kind()) {
        return false;
      }
    }
    return true;
  }

  private boolean isEmpty() {
    try (RocksIterator it = db.newIterator()) {
      it.seekToFirst();
      return !it.isValid();
    }
  }

  /** Replaces this (empty) instance's files with {@code cp}'s and reopens it. */
  private void adopt(NativeCheckpoint cp) {
    db.close();
    try {
      deleteTree(dir);
      Files.createDirectories(dir);
      copyFiles(cp, dir);
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException | IOException e) {
      throw new IllegalStateException("cannot open RocksDB for the keyed state of " + owner + " in " + dir
          + " from the checkpoint in " + cp.checkpointDir() + ": " + e.getMessage(), e);
    }
    uploaded.clear();
    for (String shared : cp.sharedFiles()) {
      uploaded.put(NativeCheckpoint.localName(shared), shared);
    }
    for (NativeCheckpoint.StateMeta m : cp.states()) {
      if (!states.containsKey(m.name())) {
        StateInfo info = new StateInfo(m.name(), m.id(), m.kind());
        states.put(m.name(), info);
        byId[info.id] = info;
      }
    }
  }

  private static void copyAtomically(Path from, Path to) throws IOException {
    Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
    Files.copy(from, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Copies a native checkpoint's files into {@code target} under their local names. */
  private static void copyFiles(NativeCheckpoint cp, Path target) throws IOException {
    if (cp.formatVersion() != NativeCheckpoint.VERSION) {
      throw new IllegalArgumentException("the RocksDB checkpoint in " + cp.checkpointDir() + " has format version "
          + cp.formatVersion() + "; this version of Sluice reads version " + NativeCheckpoint.VERSION);
    }
    for (String f : cp.sharedFiles()) {
      Files.copy(Path.of(cp.sharedDir(), f), target.resolve(NativeCheckpoint.localName(f)));
    }
    for (String f : cp.privateFiles()) {
      Files.copy(Path.of(cp.checkpointDir(), f), target.resolve(f));
    }
  }

  /**
   * A backend for {@code range} restored from native checkpoints of the previous run. When one
   * checkpoint covers exactly this range its files become the new instance (nothing is decoded,
   * and its shared files count as written for the next incremental checkpoint); otherwise
   * (rescaling) each checkpoint whose range overlaps is opened read-only and the rows of the
   * overlapping key groups are copied, one contiguous key range each. Timers and not-yet-registered
   * entries come from the checkpoints' heap part.
   */
  public static RocksDbKeyedStateBackend restoreNative(String owner, int maxKeyGroups, KeyGroupRange range,
                                                       LongSupplier clock, Serde serde, Path tempDir,
                                                       List<NativeCheckpoint> checkpoints) {
    for (NativeCheckpoint cp : checkpoints) {
      if (cp.maxKeyGroups() != maxKeyGroups) {
        throw new IllegalArgumentException("cannot restore a checkpoint of " + cp.maxKeyGroups()
            + " key groups into a backend of " + maxKeyGroups + ": the number of key groups must not change");
      }
    }
    if (checkpoints.size() == 1 && checkpoints.get(0).range().equals(range) && contiguousIds(checkpoints.get(0))) {
      NativeCheckpoint cp = checkpoints.get(0);
      RocksDbKeyedStateBackend b = new RocksDbKeyedStateBackend(owner, maxKeyGroups, range, clock, serde, tempDir, cp);
      for (NativeCheckpoint.StateMeta m : cp.states()) {
        b.newState(m.name(), m.kind());
      }
      b.restore(cp.heapPart());
      return b;
    }
    RocksDbKeyedStateBackend b = new RocksDbKeyedStateBackend(owner, maxKeyGroups, range, clock, serde, tempDir);
    try {
      for (NativeCheckpoint cp : checkpoints) {
        int from = Math.max(range.start(), cp.range().start());
        int to = Math.min(range.end(), cp.range().end());
        if (from < to) {
          b.copyRange(cp, from, to);
        }
        b.restore(cp.heapPart());
      }
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
    return b;
  }

  private static boolean contiguousIds(NativeCheckpoint cp) {
    for (int i = 0; i < cp.states().size(); i++) {
      if (cp.states().get(i).id() != i) {
        return false;
      }
    }
    return true;
  }

  /** Copies the rows of key groups {@code [from, to)} of {@code cp} into this instance, mapping state ids by name. */
  private void copyRange(NativeCheckpoint cp, int from, int to) {
    Path stage = dir.resolveSibling(dir.getFileName() + "-restore-" + (++checkpointSeq));
    int[] idMap = new int[MAX_STATES];
    for (NativeCheckpoint.StateMeta m : cp.states()) {
      StateInfo mine = states.get(m.name());
      if (mine == null) {
        mine = newState(m.name(), m.kind());
      } else if (mine.kind != m.kind()) {
        throw new IllegalArgumentException("cannot restore state '" + m.name() + "' as " + mine.kind
            + ": the checkpoint holds it as " + m.kind());
      }
      idMap[m.id()] = mine.id;
    }
    try (Options o = options()) {
      Files.createDirectories(stage);
      copyFiles(cp, stage);
      try (RocksDB old = RocksDB.openReadOnly(o, stage.toString()); RocksIterator it = old.newIterator()) {
        WriteBatch batch = new WriteBatch();
        try {
          for (it.seek(StateKeys.groupBound(from)); it.isValid(); it.next()) {
            byte[] k = it.key();
            if (StateKeys.group(k) >= to) {
              break;
            }
            parsed.parse(k);
            int id = idMap[parsed.stateId];
            k[parsed.mapKeyOffset - 2] = (byte) (id >>> 8);
            k[parsed.mapKeyOffset - 1] = (byte) id;
            batch.put(k, it.value());
            if (batch.getDataSize() > (8 << 20)) {
              db.write(writeOptions, batch);
              batch.close();
              batch = new WriteBatch();
            }
          }
          db.write(writeOptions, batch);
        } finally {
          batch.close();
        }
      }
    } catch (RocksDBException e) {
      throw failure("restoring key groups [" + from + ", " + to + ") from the checkpoint in " + cp.checkpointDir(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the RocksDB checkpoint in " + cp.checkpointDir() + " for " + owner
          + " (" + e.getMessage() + ")", e);
    } finally {
      deleteTree(stage);
    }
  }

  private void writeRestored(StateInfo s, List<RestoredEntry> entries) {
    try (WriteBatch batch = new WriteBatch()) {
      for (RestoredEntry e : entries) {
        Object value = serde.fromBytes(e.value());
        byte[] k = serde.toBytes(e.key());
        byte[] p = new byte[StateKeys.maxPrefixLength(k.length) + 2];
        int len = StateKeys.writePrefix(p, e.group(), k);
        byte[] stateKey = stateKey(p, len, s);
        switch (s.kind) {
          case LIST -> {
            if (!(value instanceof List<?> l)) {
              throw restoreKindMismatch(s, e, value);
            }
            if (!l.isEmpty()) {
              batch.put(stateKey, encodeList(l, e.writtenAt()));
            }
          }
          case MAP -> {
            if (!(value instanceof Map<?, ?> m)) {
              throw restoreKindMismatch(s, e, value);
            }
            deletePrefix(batch, stateKey);
            if (!m.isEmpty()) {
              batch.put(stateKey, timestamp(e.writtenAt()));
              for (Map.Entry<?, ?> me : m.entrySet()) {
                batch.put(mapEntryKey(stateKey, me.getKey()), serde.toBytes(me.getValue()));
              }
            }
          }
          default -> batch.put(stateKey, encodeValue(e.writtenAt(), value));
        }
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException ex) {
      throw failure("restoring state '" + s.name + "'", ex);
    }
  }

  private IllegalArgumentException restoreKindMismatch(StateInfo s, RestoredEntry e, Object value) {
    return new IllegalArgumentException("cannot restore state '" + s.name + "' as " + s.kind + ": the snapshot"
        + " holds a " + (value == null ? "null" : value.getClass().getName()) + " for key " + e.key()
        + " (was the state's kind changed?)");
  }

  private static KeyedStateSnapshot.KeyGroupState group(TreeMap<Integer, KeyedStateSnapshot.KeyGroupState> out, int g) {
    KeyedStateSnapshot.KeyGroupState s = out.get(g);
    if (s == null) {
      s = new KeyedStateSnapshot.KeyGroupState(g, new ArrayList<>(), new ArrayList<>());
      out.put(g, s);
    }
    return s;
  }

  // ---- close ----

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    timers.clear();
    unregistered.clear();
    db.close();
    writeOptions.close();
    options.close();
    deleteTree(dir);
  }

  private static void deleteTree(Path root) {
    try {
      FileOutput.deleteRecursively(root);
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not remove the RocksDB directory {}: {}", root, e.toString());
    }
  }

  // ---- rows ----

  private IllegalStateException failure(String what, RocksDBException e) {
    return new IllegalStateException("RocksDB state backend of " + owner + ": " + what + " failed: " + e.getMessage()
        + (e.getMessage() != null && e.getMessage().contains("No space") ? "; free disk space under " + dir : ""), e);
  }

  private static byte[] stateKey(byte[] prefix, int len, StateInfo s) {
    byte[] k = Arrays.copyOf(prefix, len + 2);
    k[len] = (byte) (s.id >>> 8);
    k[len + 1] = (byte) s.id;
    return k;
  }

  /** The current key's row of {@code s} (a map's head row). */
  private byte[] currentStateKey(StateInfo s) {
    requireKey();
    return stateKey(prefix, prefixLen, s);
  }

  private byte[] mapEntryKey(byte[] head, Object mapKey) {
    byte[] uk = serde.toBytes(mapKey);
    byte[] k = Arrays.copyOf(head, head.length + uk.length);
    System.arraycopy(uk, 0, k, head.length, uk.length);
    return k;
  }

  private byte[] dbGet(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw failure("reading", e);
    }
  }

  private void dbPut(byte[] key, byte[] value) {
    try {
      db.put(writeOptions, key, value);
    } catch (RocksDBException e) {
      throw failure("writing", e);
    }
  }

  private void dbDelete(byte[] key) {
    try {
      db.delete(writeOptions, key);
    } catch (RocksDBException e) {
      throw failure("deleting", e);
    }
  }

  private void write(WriteBatch batch) {
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure("writing", e);
    }
  }

  /** Adds deletes of {@code head} and every row it prefixes (a map's head and entries) to {@code batch}. */
  private void deletePrefix(WriteBatch batch, byte[] head) throws RocksDBException {
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(head); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!StateKeys.startsWith(k, head, head.length)) {
          break;
        }
        batch.delete(k);
      }
    }
  }

  private void deleteMap(byte[] head) {
    try (WriteBatch batch = new WriteBatch()) {
      deletePrefix(batch, head);
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure("deleting a map", e);
    }
  }

  private long writeTime(StateInfo s) {
    return s.ttl > 0 ? clock.getAsLong() : 0;
  }

  private boolean expired(StateInfo s, long writtenAt) {
    return s.ttl > 0 && clock.getAsLong() - writtenAt >= s.ttl;
  }

  private static byte[] timestamp(long t) {
    byte[] b = new byte[StateKeys.TS_BYTES];
    StateKeys.writeLong(b, 0, t);
    return b;
  }

  private byte[] encodeValue(long writtenAt, Object value) {
    byte[] v = serde.toBytes(value);
    byte[] out = new byte[StateKeys.TS_BYTES + v.length];
    StateKeys.writeLong(out, 0, writtenAt);
    System.arraycopy(v, 0, out, StateKeys.TS_BYTES, v.length);
    return out;
  }

  private Object decode(byte[] bytes, int offset) {
    return serde.fromBytes(offset == 0 ? bytes : Arrays.copyOfRange(bytes, offset, bytes.length));
  }

  /** Chunks {@code writtenAt | length | element} joined by the merge operator's delimiter. */
  private byte[] encodeList(List<?> values, long writtenAt) {
    byte[][] parts = new byte[values.size()][];
    int size = 0;
    for (int i = 0; i < parts.length; i++) {
      parts[i] = serde.toBytes(Objects.requireNonNull(values.get(i), "list state does not hold nulls"));
      size += 12 + parts[i].length + (i > 0 ? 1 : 0);
    }
    byte[] out = new byte[size];
    int pos = 0;
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        out[pos++] = (byte) StateKeys.LIST_DELIMITER;
      }
      StateKeys.writeLong(out, pos, writtenAt);
      StateKeys.writeInt(out, pos + 8, parts[i].length);
      System.arraycopy(parts[i], 0, out, pos + 12, parts[i].length);
      pos += 12 + parts[i].length;
    }
    return out;
  }

  private ArrayList<Object> decodeList(byte[] v) {
    ArrayList<Object> out = new ArrayList<>();
    int pos = 0;
    while (pos < v.length) {
      int len = StateKeys.readInt(v, pos + 8);
      out.add(serde.fromBytes(Arrays.copyOfRange(v, pos + 12, pos + 12 + len)));
      pos += 12 + len + 1; // and the delimiter
    }
    return out;
  }

  /** The newest chunk's write time: any add refreshes the whole list, as on the heap. */
  private static long listWrittenAt(byte[] v) {
    long max = Long.MIN_VALUE;
    int pos = 0;
    while (pos < v.length) {
      max = Math.max(max, StateKeys.readLong(v, pos));
      pos += 12 + StateKeys.readInt(v, pos + 8) + 1;
    }
    return max;
  }

  /** A map's entries (the rows after its head row), in key-byte order. */
  private LinkedHashMap<Object, Object> readMap(byte[] head) {
    LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
    try (RocksIterator it = db.newIterator()) {
      it.seek(head);
      if (it.isValid() && Arrays.equals(it.key(), head)) {
        it.next();
      }
      for (; it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!StateKeys.startsWith(k, head, head.length)) {
          break;
        }
        out.put(serde.fromBytes(Arrays.copyOfRange(k, head.length, k.length)), serde.fromBytes(it.value()));
      }
    }
    return out;
  }

  private boolean mapHasEntries(byte[] head) {
    try (RocksIterator it = db.newIterator()) {
      it.seek(head);
      if (it.isValid() && Arrays.equals(it.key(), head)) {
        it.next();
      }
      return it.isValid() && StateKeys.startsWith(it.key(), head, head.length);
    }
  }

  private static final class StateInfo {
    final String name;
    final int id;
    final StateSpec.Kind kind;
    /** Null until the operator registers the state (it may have rows from a native restore before). */
    StateSpec<?> spec;
    long ttl;
    State handle;

    StateInfo(String name, int id, StateSpec.Kind kind) {
      this.name = name;
      this.id = id;
      this.kind = kind;
    }

    void register(StateSpec<?> s) {
      spec = s;
      ttl = s.ttl() == null ? 0 : Math.max(1, s.ttl().toMillis());
    }
  }

  // ---- handles ----

  private abstract class Handle implements State {
    final StateInfo info;

    Handle(StateInfo info) {
      this.info = info;
    }

    @Override
    public void clear() {
      dbDelete(currentStateKey(info));
    }

    /** The current key's row holding a {@code writtenAt} prefix, null if absent or expired (then removed). */
    byte[] live(byte[] key) {
      byte[] v = dbGet(key);
      if (v != null && expired(info, StateKeys.readLong(v, 0))) {
        dbDelete(key);
        return null;
      }
      return v;
    }
  }

  private final class ValueHandle extends Handle implements ValueState<Object> {
    ValueHandle(StateInfo info) {
      super(info);
    }

    @Override
    public Object value() {
      byte[] v = live(currentStateKey(info));
      return v == null ? null : decode(v, StateKeys.TS_BYTES);
    }

    /** Null clears, as in Flink. */
    @Override
    public void update(Object value) {
      byte[] key = currentStateKey(info);
      if (value == null) {
        dbDelete(key);
      } else {
        dbPut(key, encodeValue(writeTime(info), value));
      }
    }
  }

  private final class ListHandle extends Handle implements ListState<Object> {
    ListHandle(StateInfo info) {
      super(info);
    }

    private byte[] liveList(byte[] key) {
      byte[] v = dbGet(key);
      if (v != null && expired(info, listWrittenAt(v))) {
        dbDelete(key);
        return null;
      }
      return v;
    }

    @Override
    public Iterable<Object> get() {
      byte[] v = liveList(currentStateKey(info));
      return v == null ? Collections.emptyList() : decodeList(v);
    }

    @Override
    public void add(Object value) {
      Objects.requireNonNull(value, "list state does not hold nulls");
      addAll(List.of(value));
    }

    @Override
    public void addAll(List<Object> values) {
      for (Object v : values) {
        Objects.requireNonNull(v, "list state does not hold nulls");
      }
      if (values.isEmpty()) {
        return;
      }
      byte[] key = currentStateKey(info);
      if (info.ttl > 0) {
        liveList(key); // an expired list is dropped, not appended to
      }
      try {
        db.merge(writeOptions, key, encodeList(values, writeTime(info)));
      } catch (RocksDBException e) {
        throw failure("appending to list state '" + info.name + "'", e);
      }
    }

    @Override
    public void update(List<Object> values) {
      byte[] key = currentStateKey(info);
      if (values == null || values.isEmpty()) {
        dbDelete(key);
        return;
      }
      dbPut(key, encodeList(values, writeTime(info)));
    }
  }

  private final class MapHandle extends Handle implements MapState<Object, Object> {
    MapHandle(StateInfo info) {
      super(info);
    }

    /** The current key's head row, or null when the map is empty or expired (then removed). */
    private byte[] head() {
      byte[] key = currentStateKey(info);
      byte[] v = dbGet(key);
      if (v == null) {
        return null;
      }
      if (expired(info, StateKeys.readLong(v, 0))) {
        deleteMap(key);
        return null;
      }
      return key;
    }

    @Override
    public void clear() {
      deleteMap(currentStateKey(info));
    }

    @Override
    public Object get(Object key) {
      byte[] head = head();
      if (head == null) {
        return null;
      }
      byte[] v = dbGet(mapEntryKey(head, key));
      return v == null ? null : serde.fromBytes(v);
    }

    @Override
    public void put(Object key, Object value) {
      byte[] head = info.ttl > 0 ? head() : null; // with a TTL, drops an expired map first
      if (head == null) {
        head = currentStateKey(info);
      }
      try (WriteBatch batch = new WriteBatch()) {
        batch.put(head, timestamp(writeTime(info)));
        batch.put(mapEntryKey(head, key), serde.toBytes(value));
        write(batch);
      } catch (RocksDBException e) {
        throw failure("writing map state '" + info.name + "'", e);
      }
    }

    @Override
    public void remove(Object key) {
      byte[] head = head();
      if (head == null) {
        return;
      }
      byte[] entry = mapEntryKey(head, key);
      if (dbGet(entry) == null) {
        return;
      }
      dbDelete(entry);
      if (!mapHasEntries(head)) {
        dbDelete(head);
      } else if (info.ttl > 0) {
        dbPut(head, timestamp(writeTime(info)));
      }
    }

    @Override
    public boolean contains(Object key) {
      byte[] head = head();
      return head != null && dbGet(mapEntryKey(head, key)) != null;
    }

    private Map<Object, Object> read() {
      byte[] head = head();
      return head == null ? Collections.emptyMap() : readMap(head);
    }

    @Override
    public Iterable<Map.Entry<Object, Object>> entries() {
      Map<Object, Object> m = read();
      List<Map.Entry<Object, Object>> out = new ArrayList<>(m.size());
      for (Iterator<Map.Entry<Object, Object>> it = m.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Object, Object> e = it.next();
        out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
      }
      return out;
    }

    @Override
    public Iterable<Object> keys() {
      return read().keySet();
    }

    @Override
    public Iterable<Object> values() {
      return read().values();
    }

    @Override
    public boolean isEmpty() {
      return head() == null;
    }
  }

  private final class ReducingHandle extends Handle implements ReducingState<Object> {
    private final ReduceFunction<Object> fn;

    ReducingHandle(StateInfo info, ReduceFunction<Object> fn) {
      super(info);
      this.fn = fn;
    }

    @Override
    public Object get() {
      byte[] v = live(currentStateKey(info));
      return v == null ? null : decode(v, StateKeys.TS_BYTES);
    }

    @Override
    public void add(Object value) throws Exception {
      byte[] key = currentStateKey(info);
      byte[] v = live(key);
      Object next = v == null ? value : fn.reduce(decode(v, StateKeys.TS_BYTES), value);
      if (next == null) {
        dbDelete(key);
      } else {
        dbPut(key, encodeValue(writeTime(info), next));
      }
    }
  }

  private final class AggregatingHandle extends Handle implements AggregatingState<Object, Object> {
    private final Aggregation<Object, Object, Object> aggregation;

    AggregatingHandle(StateInfo info, Aggregation<Object, Object, Object> aggregation) {
      super(info);
      this.aggregation = aggregation;
    }

    @Override
    public Object get() throws Exception {
      byte[] v = live(currentStateKey(info));
      return v == null ? null : aggregation.export(decode(v, StateKeys.TS_BYTES));
    }

    @Override
    public void add(Object value) throws Exception {
      byte[] key = currentStateKey(info);
      byte[] v = live(key);
      Object acc = v == null ? aggregation.create() : decode(v, StateKeys.TS_BYTES);
      acc = aggregation.accumulate(acc, value);
      dbPut(key, encodeValue(writeTime(info), acc));
    }
  }
}
