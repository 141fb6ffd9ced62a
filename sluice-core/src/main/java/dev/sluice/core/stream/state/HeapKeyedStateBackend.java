package dev.sluice.core.stream.state;

import dev.sluice.api.Aggregation;
import dev.sluice.api.function.ReduceFunction;
import dev.sluice.api.state.AggregatingState;
import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.ReducingState;
import dev.sluice.api.state.State;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.stream.KeyGroups;
import dev.sluice.core.stream.state.CellMap.Cell;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * On-heap keyed state and timers of one task: the state behind {@code KeyedProcessFunction}'s
 * handles. Not thread-safe; used by the task's thread only.
 *
 * <p>Design note. Every named state is a table of per-key-group hash maps ({@link CellMap}: key to
 * a cell holding the value and its write time, the cell being the map's entry), so the state of a
 * key-group range can be snapshotted and restored on its own ({@link #snapshot}, {@link #restore}) —
 * the unit in which a job is rescaled, as in Flink. The caller sets the current key ({@link #setCurrentKey}) before it calls the user's
 * function; the handles returned by {@link #state} read and write that key's entry. List and map
 * state keep one {@code ArrayList} / {@code HashMap} per key.
 *
 * <p>Time-to-live ({@link StateSpec#ttl()}): a key's value of a state not written (created, updated,
 * added to, put into, removed from) for {@code ttl} of processing time reads as absent and is
 * removed when it is next accessed; {@link #removeExpired()} sweeps all of them (the operator calls
 * it periodically, every {@link #minTtlMillis()} of processing time). Reads do not extend the life
 * of a value. TTL applies to a key's whole value of the state: for list and map state, any write
 * refreshes the whole list or map (Flink keeps a TTL per list element and map entry).
 *
 * <p>Timers: per time domain, at most one per key and time, fired in time order
 * ({@link #pollTimer}); they are part of the key-group snapshot.
 *
 * <p>Snapshots are copy-on-write per key group ({@link #snapshot}, {@code HeapSnapshot}): taking
 * one costs a pass over the key groups; the snapshot is then serialized on another thread while
 * the task goes on, and the live state copies what it touches until the snapshot is released.
 */
public final class HeapKeyedStateBackend extends AbstractKeyedStateBackend {
  private final LongSupplier clock;
  private final Map<String, StateTable> tables = new LinkedHashMap<>();

  /**
   * @param maxKeyGroups the number of key groups keys are mapped to ({@link KeyGroups#of})
   * @param range the key groups this backend owns; keys of other groups are refused
   * @param clock processing time in ms, for TTL
   */
  public HeapKeyedStateBackend(int maxKeyGroups, KeyGroupRange range, LongSupplier clock) {
    super(maxKeyGroups, range);
    this.clock = Objects.requireNonNull(clock, "clock");
  }


  // ---- state handles ----

  /**
   * The handle of {@code spec}; asking twice for the same name gives the same handle. Two specs of
   * one name must have the same kind.
   */
  @SuppressWarnings("unchecked")
  @Override
  public <S extends State> S state(StateSpec<S> spec) {
    Objects.requireNonNull(spec, "spec");
    StateTable table = table(spec.name());
    if (table.spec != null && table.spec.kind() != spec.kind()) {
      throw new IllegalArgumentException("state '" + spec.name() + "' is already registered as "
          + table.spec.kind() + ", cannot register it again as " + spec.kind());
    }
    if (table.handle == null) {
      table.spec = spec;
      table.ttl = spec.ttl() == null ? 0 : Math.max(1, spec.ttl().toMillis());
      table.handle = switch (spec.kind()) {
        case VALUE -> new Value(table);
        case LIST -> new ListHandle(table);
        case MAP -> new MapHandle(table);
        case REDUCING -> new Reducing(table, (ReduceFunction<Object>) spec.reducer());
        case AGGREGATING -> new Aggregating(table, (Aggregation<Object, Object, Object>) spec.aggregation());
      };
    }
    return (S) table.handle;
  }

  /** The smallest TTL of the registered states in ms, 0 if none has one. */
  @Override
  public long minTtlMillis() {
    long min = 0;
    for (StateTable t : tables.values()) {
      if (t.ttl > 0 && (min == 0 || t.ttl < min)) {
        min = t.ttl;
      }
    }
    return min;
  }

  /** Removes every expired value of every state with a TTL; returns how many were removed. */
  @Override
  public int removeExpired() {
    long now = clock.getAsLong();
    int removed = 0;
    for (StateTable t : tables.values()) {
      if (t.ttl <= 0) {
        continue;
      }
      for (int g = 0; g < t.groups.length; g++) {
        CellMap m = t.groups[g];
        if (m != null && hasExpired(t, m, now)) {
          t.forget();
          m = t.live(g);
          int group = g;
          removed += m.removeIf(c -> {
            boolean expired = now - c.writtenAt >= t.ttl;
            if (expired) {
              removed(t, group, c);
            }
            return expired;
          });
        }
      }
    }
    return removed;
  }

  private static boolean hasExpired(StateTable t, CellMap m, long now) {
    for (Cell c : m) {
      if (now - c.writtenAt >= t.ttl) {
        return true;
      }
    }
    return false;
  }

  /** Number of keys holding a (live or not yet swept) value of state {@code name}. */
  @Override
  public int size(String name) {
    StateTable t = tables.get(name);
    if (t == null) {
      return 0;
    }
    int n = 0;
    for (CellMap m : t.groups) {
      n += m == null ? 0 : m.size();
    }
    return n;
  }

  /**
   * What state {@code name} holds for {@code key}, as its handle would read it (an aggregating
   * state's exported result; a copy of a list or map), or null; for test harnesses. Does not
   * change the current key or remove expired values.
   */
  @SuppressWarnings("unchecked")
  @Override
  public Object inspect(String name, Object key) throws Exception {
    StateTable t = tables.get(name);
    if (t == null) {
      throw new IllegalArgumentException("the operator has no state named '" + name + "'; its states are " + tables.keySet());
    }
    CellMap m = t.groups[KeyGroups.of(key, maxKeyGroups)];
    Cell c = m == null ? null : m.get(key);
    if (c == null || c.value == null || (t.ttl > 0 && clock.getAsLong() - c.writtenAt >= t.ttl)) {
      return null;
    }
    Object v = c.value;
    if (v instanceof List<?> l) {
      return java.util.Collections.unmodifiableList(new ArrayList<>(l));
    }
    if (v instanceof Map<?, ?> map) {
      return java.util.Collections.unmodifiableMap(new HashMap<>(map));
    }
    if (t.spec != null && t.spec.kind() == StateSpec.Kind.AGGREGATING) {
      return ((Aggregation<Object, Object, Object>) t.spec.aggregation()).export(v);
    }
    return v;
  }

  // ---- snapshot and restore ----

  /**
   * The state and timers of the key groups in {@code groups} (which must lie within this backend's
   * range), without expired values, taken by copy-on-write in time proportional to the number of
   * key groups and states, not to the state's size; see {@link HeapSnapshot}.
   */
  @Override
  public KeyedStateSnapshot snapshot(KeyGroupRange groups) {
    return snapshot(groups, null);
  }

  private KeyedStateSnapshot snapshot(KeyGroupRange groups, Delta delta) {
    requireOwned(groups);
    long now = clock.getAsLong();
    List<StateTable> captured = new ArrayList<>();
    List<CellMap[]> maps = new ArrayList<>();
    for (StateTable t : tables.values()) {
      CellMap[] m = new CellMap[groups.size()];
      for (int g = groups.start(); g < groups.end(); g++) {
        CellMap map = t.groups[g];
        if (map != null && !map.isEmpty()) {
          m[g - groups.start()] = map;
          t.shared[g] = true; // the live state copies this map before it next touches it
        }
      }
      captured.add(t);
      maps.add(m);
    }
    // A delta part holds the timer changes instead of all timers.
    HeapTimers.Captured capturedTimers = delta != null && delta.changed() != null ? null : timers.capture();
    pendingSnapshots.incrementAndGet();
    return new KeyedStateSnapshot(maxKeyGroups, groups, delta == null
        ? new HeapSnapshot(maxKeyGroups, groups, captured, maps, capturedTimers, now, pendingSnapshots, null, null)
        : new HeapPart(maxKeyGroups, groups, captured, maps, capturedTimers, now, pendingSnapshots, delta));
  }

  // ---- incremental snapshots ----

  /** A delta builds on at most this many parts; then a full snapshot starts a new chain. */
  static final int MAX_CHAIN = 10;
  /**
   * Incremented at every incremental snapshot (never reset); a cell whose {@code changedIn} equals
   * it is recorded as changed already.
   */
  private int epoch;
  /** Changes are recorded: an incremental snapshot was taken (and no restore happened since). */
  private boolean tracking;
  /** The parts of the last incremental snapshot whose checkpoint completed, oldest (full) first. */
  private List<String> chain = List.of();
  /** Incremental snapshots taken after it, oldest first, with the keys that changed before each. */
  private final java.util.ArrayDeque<TakenPart> taken = new java.util.ArrayDeque<>();

  /**
   * An incremental snapshot taken for checkpoint {@code checkpointId}: its parts (the base it was
   * built on and its own) and, per state table (in registration order) and key group, the keys
   * that changed between the snapshot before it and it.
   */
  private record TakenPart(long checkpointId, List<String> parts, ArrayList<Object>[][] changed,
                           HeapTimers.Log timerChanges) {}

  /**
   * What a part holds: for a delta, per state table and key group the changed keys (several lists
   * may name one key) and the timer changes in order; both null for a full part.
   */
  private record Delta(String name, List<String> base, List<ArrayList<Object>[][]> changed,
                       List<HeapTimers.Log> timerChanges) {}

  /**
   * A snapshot of all owned key groups for checkpoint {@code checkpointId} as one part of an
   * incremental snapshot ({@link KeyedStateSnapshot.Part}): the entries whose keys changed since
   * the last snapshot of a completed checkpoint ({@link #checkpointComplete}), removed ones marked,
   * or a full snapshot when there is none yet, when the chain of parts is {@link #MAX_CHAIN} long,
   * when {@link #MAX_CHAIN} snapshots are pending (their checkpoints neither completed nor
   * superseded), or when at least half the entries changed; after a full part, the parts are full
   * until one of them completes. Taken like {@link #snapshot}, by copy-on-write;
   * from the first one on, the backend records which keys change (an append to a list per key and
   * snapshot interval; a cell remembers the interval it was listed in, so a key is listed once).
   *
   * <p>Design note. Flink's heap backend snapshots everything at every checkpoint (its incremental
   * checkpoints need RocksDB or the changelog backend); this keeps the heap's copy-on-write
   * snapshots and writes a delta of the changed keys, with a full snapshot now and then so a
   * restore reads a bounded chain. Checkpoints that fail leave their changes in the next delta,
   * which is always relative to a completed checkpoint.
   */
  public KeyedStateSnapshot snapshotIncremental(long checkpointId) {
    boolean first = !tracking;
    tracking = true;
    List<TakenPart> since = new ArrayList<>(taken);
    ArrayList<Object>[][] changedNow = takeChanged();
    HeapTimers.Log timersNow = timers.swapLog(); // null before the first
    if (first) {
      timers.startLog();
    }
    // (the chain is empty at the first snapshot and after a restore)
    boolean full = chain.isEmpty() || chain.size() >= MAX_CHAIN || since.size() >= MAX_CHAIN
        || halfChanged(since, changedNow);
    if (full) {
      // Nothing before a full part is needed again: until one completes, the next ones are full too.
      taken.clear();
      chain = List.of();
    }
    String name = "heap-" + checkpointId + "-" + java.util.UUID.randomUUID();
    List<String> parts = new ArrayList<>(full ? List.of() : chain);
    parts.add(name);
    taken.add(new TakenPart(checkpointId, List.copyOf(parts), changedNow, timersNow));
    Delta delta;
    if (full) {
      delta = new Delta(name, List.of(), null, null);
    } else {
      List<ArrayList<Object>[][]> changed = new ArrayList<>();
      List<HeapTimers.Log> timerChanges = new ArrayList<>();
      for (TakenPart p : since) {
        changed.add(p.changed());
        timerChanges.add(p.timerChanges());
      }
      changed.add(changedNow);
      timerChanges.add(timersNow);
      delta = new Delta(name, chain, changed, timerChanges);
    }
    KeyedStateSnapshot s = snapshot(range, delta);
    epoch++;
    return s;
  }

  /** Hands out the recorded changes of every table and starts recording anew. */
  @SuppressWarnings("unchecked")
  private ArrayList<Object>[][] takeChanged() {
    ArrayList<Object>[][] out = new ArrayList[tables.size()][];
    int i = 0;
    for (StateTable t : tables.values()) {
      ArrayList<Object>[] sets = t.changed;
      out[i++] = sets;
      if (sets != null) {
        for (int g = 0; g < sets.length; g++) {
          t.lastChanged[g] = sets[g] == null ? 0 : sets[g].size();
        }
      }
      t.changed = new ArrayList[maxKeyGroups];
    }
    return out;
  }

  private boolean halfChanged(List<TakenPart> since, ArrayList<Object>[][] changedNow) {
    long changed = count(changedNow);
    for (TakenPart p : since) {
      changed += count(p.changed());
    }
    long entries = 0;
    for (StateTable t : tables.values()) {
      for (CellMap m : t.groups) {
        entries += m == null ? 0 : m.size();
      }
    }
    return changed * 2 >= entries;
  }

  private static long count(ArrayList<Object>[][] changed) {
    long n = 0;
    for (ArrayList<Object>[] perGroup : changed) {
      if (perGroup != null) {
        for (ArrayList<Object> set : perGroup) {
          n += set == null ? 0 : set.size();
        }
      }
    }
    return n;
  }

  /**
   * Checkpoint {@code checkpointId} completed: if this backend took an incremental snapshot for it,
   * its parts become the base of the next delta, and the changes recorded before it are dropped.
   * Notifications of other checkpoints change nothing.
   */
  public void checkpointComplete(long checkpointId) {
    TakenPart done = null;
    for (TakenPart p : taken) {
      if (p.checkpointId() == checkpointId) {
        done = p;
      }
    }
    if (done == null) {
      return;
    }
    chain = done.parts();
    taken.removeIf(p -> p.checkpointId() <= checkpointId);
  }

  /** The parts the next delta would build on (for tests). */
  List<String> chain() {
    return chain;
  }

  /** Forgets incremental snapshots: after a restore the next one is full. */
  private void resetIncremental() {
    chain = List.of();
    taken.clear();
    for (StateTable t : tables.values()) {
      t.changed = null;
    }
    timers.stopLog();
    tracking = false;
  }

  private static boolean allExpired(long ttl, CellMap m, long now) {
    for (Cell c : m) {
      if (now - c.writtenAt < ttl) {
        return false;
      }
    }
    return true;
  }

  /**
   * Snapshots taken and not released yet. While there are any, the live state copies a captured
   * map before it writes to it and a shared value before it hands it out (copy-on-write); with none,
   * it just clears the marks. Decremented by {@link HeapSnapshot#release} on the thread that wrote
   * the snapshot, so that thread's reads happen before the task's later writes.
   */
  private final java.util.concurrent.atomic.AtomicInteger pendingSnapshots = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * The {@code groups} list of a heap snapshot: each key group's {@link KeyedStateSnapshot.KeyGroupState}
   * is built when asked for, from the maps captured at the snapshot (the live state no longer writes
   * to them: it copies a captured map, with fresh cells, before its next write, see
   * {@link StateTable#live}) and the values they hold (which the live state copies with
   * {@link StateCopies} before it next hands one out or mutates it, see {@link #cell}). So taking
   * the snapshot costs a pass over the key groups and a flat copy of the timers on the task's
   * thread ({@link HeapTimers#capture}; the timers are grouped by key group on first use), and
   * serializing it, on another thread, holds one key group's entries at a time. Thread-safety: may
   * be read by one other thread while the task goes on (publication through the checkpoint
   * runtime's executor).
   *
   * <p>Design note: Flink's heap backend does the same per entry (copy-on-write state maps with
   * versions); per key group is coarser (a write after a snapshot copies the group's map, cells
   * only, not values) but needs no versions in the entries.
   */
  private static class HeapSnapshot extends java.util.AbstractList<KeyedStateSnapshot.KeyGroupState>
      implements java.util.RandomAccess, KeyedStateSnapshot.Source, java.io.Serializable {
    private final int maxKeyGroups;
    private final KeyGroupRange range;
    private final int start;
    private final List<String> names;
    private final long[] ttls;
    private final List<CellMap[]> maps;
    private final HeapTimers.Captured capturedTimers;
    private final long now;
    private final java.util.concurrent.atomic.AtomicInteger pending;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
    /** Built on first use ({@link #index}), normally on the thread that writes the snapshot. */
    private Map<Integer, List<KeyedStateSnapshot.TimerEntry>> timerGroups;
    private List<Integer> groups;
    /** Per state table and key group, the changed keys of a delta part (several lists may name a key); null: full. */
    final List<ArrayList<Object>[][]> changed;
    /** A delta part's timer changes, in order (null entries: none logged); null: full. */
    final List<HeapTimers.Log> timerLogs;
    /** A delta's timer changes by key group and key, built on first use ({@link #index}). */
    private java.util.LinkedHashMap<Object, TimerChangesBuilder>[] timerChanges;

    HeapSnapshot(int maxKeyGroups, KeyGroupRange range, List<StateTable> tables, List<CellMap[]> maps,
        HeapTimers.Captured capturedTimers, long now, java.util.concurrent.atomic.AtomicInteger pending,
        List<ArrayList<Object>[][]> changed, List<HeapTimers.Log> timerLogs) {
      this.changed = changed;
      this.timerLogs = timerLogs;
      this.maxKeyGroups = maxKeyGroups;
      this.range = range;
      this.start = range.start();
      this.maps = maps;
      this.capturedTimers = capturedTimers;
      this.now = now;
      this.pending = pending;
      List<String> n = new ArrayList<>(tables.size());
      ttls = new long[tables.size()];
      for (int i = 0; i < tables.size(); i++) {
        n.add(tables.get(i).name);
        ttls[i] = tables.get(i).ttl; // as at the snapshot (a state registered later may set it)
      }
      if (changed != null) {
        n.add(KeyedStateSnapshot.TIMER_CHANGES);
      }
      this.names = List.copyOf(n);
    }

    /**
     * Groups the timers by key group and lists the non-empty key groups: the key-group hashing of
     * every captured timer of a full snapshot happens here, off the task's thread (the captured maps
     * are no longer written); a delta's timer changes carry their key groups from the log.
     */
    private synchronized List<Integer> index() {
      if (groups == null) {
        if (changed == null) {
          timerGroups = capturedTimers.byGroup(maxKeyGroups, range);
          timerChanges = timerChangesByGroup(List.of());
        } else {
          timerGroups = Map.of();
          timerChanges = timerChangesByGroup(timerLogs);
        }
        List<Integer> nonEmpty = new ArrayList<>();
        for (int g = range.start(); g < range.end(); g++) {
          boolean any = timerGroups.containsKey(g) || timerChanges[g - start] != null;
          for (int i = 0; i < maps.size() && !any; i++) {
            if (changed != null) {
              any = !changedKeys(i, g).isEmpty();
              continue;
            }
            CellMap m = maps.get(i)[g - start];
            any = m != null && (ttls[i] <= 0 || !allExpired(ttls[i], m, now));
          }
          if (any) {
            nonEmpty.add(g);
          }
        }
        groups = nonEmpty;
      }
      return groups;
    }

    /** The logged timer changes by key group (index: group minus the range's start) and key, each key's in order. */
    @SuppressWarnings("unchecked")
    private java.util.LinkedHashMap<Object, TimerChangesBuilder>[] timerChangesByGroup(List<HeapTimers.Log> logs) {
      java.util.LinkedHashMap<Object, TimerChangesBuilder>[] out = new java.util.LinkedHashMap[range.size()];
      for (HeapTimers.Log log : logs) {
        if (log == null) {
          continue;
        }
        for (int i = 0; i < log.size(); i++) {
          int g = log.group(i);
          if (range.contains(g)) {
            java.util.LinkedHashMap<Object, TimerChangesBuilder> byKey = out[g - start];
            if (byKey == null) {
              byKey = new java.util.LinkedHashMap<>();
              out[g - start] = byKey;
            }
            TimerChangesBuilder b = byKey.get(log.key(i));
            if (b == null) {
              b = new TimerChangesBuilder();
              byKey.put(log.key(i), b);
            }
            b.add(log.kind(i), log.time(i));
          }
        }
      }
      return out;
    }

    /** The keys of state table {@code i} in key group {@code g} a delta holds. */
    private java.util.Collection<Object> changedKeys(int i, int g) {
      java.util.Collection<Object> keys = List.of();
      boolean union = false;
      for (ArrayList<Object>[][] sets : changed) {
        ArrayList<Object> s = i < sets.length && sets[i] != null ? sets[i][g] : null;
        if (s == null || s.isEmpty()) {
          continue;
        }
        if (keys.isEmpty()) {
          keys = s;
        } else {
          if (!union) {
            keys = new java.util.LinkedHashSet<>(keys);
            union = true;
          }
          keys.addAll(s);
        }
      }
      return keys;
    }

    /** A delta's key group: each changed key's value at the snapshot, or {@code REMOVED}. */
    private KeyedStateSnapshot.KeyGroupState delta(int g) {
      List<KeyedStateSnapshot.StateEntry> entries = new ArrayList<>();
      for (int i = 0; i < maps.size(); i++) {
        java.util.Collection<Object> keys = changedKeys(i, g);
        if (keys.isEmpty()) {
          continue;
        }
        CellMap m = maps.get(i)[g - start];
        String name = names.get(i);
        long ttl = ttls[i];
        for (Object key : keys) {
          Cell c = m == null ? null : m.get(key);
          if (c == null || (ttl > 0 && now - c.writtenAt >= ttl)) {
            entries.add(new KeyedStateSnapshot.StateEntry(name, key, KeyedStateSnapshot.Removed.REMOVED, 0));
          } else {
            entries.add(new KeyedStateSnapshot.StateEntry(name, key, c.value, c.writtenAt));
          }
        }
      }
      Map<Object, TimerChangesBuilder> timerChangesOfGroup = timerChanges[g - start];
      if (timerChangesOfGroup != null) {
        timerChangesOfGroup.forEach((key, c) -> entries.add(
            new KeyedStateSnapshot.StateEntry(KeyedStateSnapshot.TIMER_CHANGES, key, c.build(), 0)));
      }
      return new KeyedStateSnapshot.KeyGroupState(g, entries, new ArrayList<>());
    }

    @Override
    public KeyedStateSnapshot.KeyGroupState get(int index) {
      int g = index().get(index);
      if (changed != null) {
        return delta(g);
      }
      int size = 0;
      for (CellMap[] m : maps) {
        size += m[g - start] == null ? 0 : m[g - start].size();
      }
      List<KeyedStateSnapshot.StateEntry> entries = new ArrayList<>(size);
      for (int i = 0; i < maps.size(); i++) {
        CellMap m = maps.get(i)[g - start];
        if (m == null) {
          continue;
        }
        String name = names.get(i);
        long ttl = ttls[i];
        for (Cell c : m) {
          if (ttl > 0 && now - c.writtenAt >= ttl) {
            continue;
          }
          entries.add(new KeyedStateSnapshot.StateEntry(name, c.key, c.value, c.writtenAt));
        }
      }
      List<KeyedStateSnapshot.TimerEntry> t = timerGroups.get(g);
      return new KeyedStateSnapshot.KeyGroupState(g, entries, t == null ? new ArrayList<>() : t);
    }

    @Override
    public int size() {
      return index().size();
    }

    /** Java serialization writes the groups as a plain list. */
    private Object writeReplace() {
      return new ArrayList<>(this);
    }

    @Override
    public List<String> stateNames() {
      return names;
    }

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        pending.decrementAndGet();
      }
    }
  }

  /** One key's timer changes of a delta, collected in order. */
  private static final class TimerChangesBuilder {
    private byte[] kinds = new byte[2];
    private long[] times = new long[2];
    private int size;

    void add(byte kind, long time) {
      if (size == times.length) {
        kinds = java.util.Arrays.copyOf(kinds, size * 2);
        times = java.util.Arrays.copyOf(times, size * 2);
      }
      kinds[size] = kind;
      times[size] = time;
      size++;
    }

    KeyedStateSnapshot.TimerChanges build() {
      return new KeyedStateSnapshot.TimerChanges(java.util.Arrays.copyOf(kinds, size), java.util.Arrays.copyOf(times, size));
    }
  }

  /** A {@link HeapSnapshot} that is one part of an incremental snapshot ({@link #snapshotIncremental}). */
  private static final class HeapPart extends HeapSnapshot implements KeyedStateSnapshot.Part {
    private final String name;
    private final List<String> base;

    HeapPart(int maxKeyGroups, KeyGroupRange range, List<StateTable> tables, List<CellMap[]> maps,
        HeapTimers.Captured capturedTimers, long now, java.util.concurrent.atomic.AtomicInteger pending, Delta delta) {
      super(maxKeyGroups, range, tables, maps, capturedTimers, now, pending, delta.changed(), delta.timerChanges());
      this.name = delta.name();
      this.base = List.copyOf(delta.base());
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<String> base() {
      return base;
    }
  }

  /**
   * Adds the entries and timers of {@code snapshot} whose key groups this backend owns; the others
   * are ignored, so every task of a rescaled job can restore from all snapshots of the previous
   * run. May be called for several snapshots (of disjoint ranges). State handles already obtained
   * see the restored values; states not yet registered get their kind and TTL when they are.
   */
  @Override
  public void restore(KeyedStateSnapshot snapshot) {
    resetIncremental();
    if (snapshot.maxKeyGroups() != maxKeyGroups) {
      throw new IllegalArgumentException("cannot restore a snapshot of " + snapshot.maxKeyGroups()
          + " key groups into a backend of " + maxKeyGroups + ": the number of key groups must not change");
    }
    KeyedStateSnapshot.ExclusiveGroups exclusive =
        snapshot.groups() instanceof KeyedStateSnapshot.ExclusiveGroups x ? x : null;
    for (KeyedStateSnapshot.KeyGroupState g : snapshot.groups()) {
      int group = g.keyGroup();
      if (!range.contains(group)) {
        continue;
      }
      // Values just read from a checkpoint belong to nobody else: the first restore takes them.
      boolean take = exclusive != null && exclusive.claim(group);
      StateTable last = null;
      CellMap m = null;
      for (KeyedStateSnapshot.StateEntry e : g.entries()) {
        if (last == null || !last.name.equals(e.state())) {
          last = table(e.state());
          last.forget();
          m = last.mapFor(group, g.entries().size());
        }
        Cell c = m.get(e.key());
        if (c == null) {
          c = m.add(e.key());
        }
        c.value = take ? e.value() : copyContainer(e.value());
        c.writtenAt = e.writtenAt();
      }
      for (KeyedStateSnapshot.TimerEntry timer : g.timers()) {
        timers.register(timer.domain(), timer.key(), timer.time());
      }
    }
  }

  /** Lists, maps and array accumulators are copied (deeply): see {@link StateCopies}. */
  private static Object copyContainer(Object value) {
    return StateCopies.deepCopy(value);
  }

  /**
   * Nothing to release: the state is garbage once the backend is. Keeps the state readable, so a
   * test harness may still inspect an operator's state after closing it.
   */
  @Override
  public void close() {}

  // ---- tables and cells ----

  private StateTable table(String name) {
    StateTable t = tables.get(name);
    if (t == null) {
      t = new StateTable(name, maxKeyGroups);
      if (tracking) {
        @SuppressWarnings("unchecked")
        ArrayList<Object>[] changed = new ArrayList[maxKeyGroups];
        t.changed = changed;
      }
      tables.put(name, t);
    }
    return t;
  }

  /** The current key's live cell of {@code t}, null if absent or expired (an expired cell is removed). */
  private Cell cell(StateTable t) {
    requireKey();
    CellMap m = t.live(currentGroup);
    if (m == null) {
      return null;
    }
    Cell c;
    if (t.lastKey == currentKey && t.lastMap == m) {
      c = t.lastCell; // the same key again, within one record or timer (e.g. value() then update())
    } else {
      c = m.get(currentKey);
      t.remember(currentKey, m, c);
    }
    if (c == null) {
      return null;
    }
    if (t.ttl > 0 && clock.getAsLong() - c.writtenAt >= t.ttl) {
      m.remove(currentKey);
      removed(t, currentGroup, c);
      t.forget();
      return null;
    }
    if (c.shared) {
      // The value may be held by a snapshot not written yet: the live state gets its own copy
      // before it hands it out or mutates it (lists, maps, array accumulators).
      if (pendingSnapshots.get() > 0) {
        c.value = copyContainer(c.value);
      }
      c.shared = false;
    }
    return c;
  }

  /** The current key's cell of {@code t}, created if absent; marks it written now (0 without a TTL). */
  private Cell write(StateTable t) {
    Cell c = cell(t);
    if (c == null) {
      CellMap m = t.mapFor(currentGroup);
      c = m.add(currentKey);
      t.remember(currentKey, m, c);
    }
    changed(t, c);
    // Without a TTL the write time is not kept (0), so every backend snapshots the same value.
    c.writtenAt = t.ttl > 0 ? clock.getAsLong() : 0;
    return c;
  }

  private void remove(StateTable t) {
    requireKey();
    CellMap m = t.live(currentGroup);
    if (m != null) {
      Cell c = m.remove(currentKey);
      if (c != null) {
        removed(t, currentGroup, c);
      }
    }
    t.forget();
  }

  /** Records that the current key's cell {@code c} of {@code t} changed (once per epoch). */
  private void changed(StateTable t, Cell c) {
    if (t.changed != null && c.changedIn != epoch) {
      c.changedIn = epoch;
      changedSet(t, currentGroup).add(currentKey);
    }
  }

  /**
   * Records that cell {@code c} of {@code t} was removed, unless its key is listed as changed in
   * this epoch already. (A key removed and then written again in one epoch is listed twice; a delta
   * then holds its entry twice, the same both times, which restoring takes as one.)
   */
  private void removed(StateTable t, int group, Cell c) {
    if (t.changed != null && c.changedIn != epoch) {
      c.changedIn = epoch;
      changedSet(t, group).add(c.key);
    }
  }

  private static ArrayList<Object> changedSet(StateTable t, int group) {
    ArrayList<Object> s = t.changed[group];
    if (s == null) {
      s = new ArrayList<>(Math.max(4, t.lastChanged[group])); // about as many as the last time: no growing
      t.changed[group] = s;
    }
    return s;
  }

  private final class StateTable {
    final String name;
    final CellMap[] groups;
    /** Per key group: the map is held by a snapshot, copy it before writing ({@link #live}). */
    final boolean[] shared;
    StateSpec<?> spec;
    State handle;
    long ttl;
    /**
     * The last key looked up (by identity), the map it was looked up in and its cell (null: absent),
     * so that a record's second access to the same state (value() then update(), get() then put())
     * costs no second hash lookup; valid while that map is the group's live map, dropped by every
     * removal ({@link #forget}).
     */
    private Object lastKey;
    private CellMap lastMap;
    private Cell lastCell;

    void remember(Object key, CellMap map, Cell cell) {
      lastKey = key;
      lastMap = map;
      lastCell = cell;
    }

    void forget() {
      lastKey = null;
      lastMap = null;
      lastCell = null;
    }

    /**
     * Per key group, the keys whose value of this state changed (written, removed, or handed out
     * as a mutable list or map) since the last incremental snapshot, each once (see
     * {@link #removed} for the exception); null until one is taken.
     */
    ArrayList<Object>[] changed;
    /** Per key group, how many keys changed in the last snapshot's epoch (to size the next list). */
    final int[] lastChanged;

    @SuppressWarnings("unchecked")
    StateTable(String name, int maxKeyGroups) {
      this.name = name;
      this.lastChanged = new int[maxKeyGroups];
      this.groups = new CellMap[maxKeyGroups];
      this.shared = new boolean[maxKeyGroups];
    }

    /**
     * The map of {@code group} the live state may write to (null if none): a map a snapshot
     * captured is replaced by a copy with fresh cells, marked {@link Cell#shared}, while any
     * snapshot is pending; once none is, the mark is simply dropped.
     */
    CellMap live(int group) {
      CellMap m = groups[group];
      if (m != null && shared[group]) {
        shared[group] = false;
        if (pendingSnapshots.get() > 0) {
          m = m.copyShared();
          groups[group] = m;
        }
      }
      return m;
    }

    CellMap mapFor(int group) {
      return mapFor(group, 0);
    }

    CellMap mapFor(int group, int expected) {
      CellMap m = live(group);
      if (m == null) {
        m = new CellMap(expected);
        groups[group] = m;
      }
      return m;
    }
  }

  private static int capacity(int entries) {
    return entries < 12 ? 16 : (int) Math.min(1 << 30, entries / 0.75f + 1);
  }

  // ---- handles ----

  private abstract class Handle implements State {
    final StateTable table;

    Handle(StateTable table) {
      this.table = table;
    }

    @Override
    public void clear() {
      remove(table);
    }
  }

  private final class Value extends Handle implements ValueState<Object> {
    Value(StateTable table) {
      super(table);
    }

    @Override
    public Object value() {
      Cell c = cell(table);
      return c == null ? null : c.value;
    }

    /** Null clears, as in Flink. */
    @Override
    public void update(Object value) {
      if (value == null) {
        remove(table);
      } else {
        write(table).value = value;
      }
    }
  }

  private final class ListHandle extends Handle implements ListState<Object> {
    ListHandle(StateTable table) {
      super(table);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterable<Object> get() {
      Cell c = cell(table);
      if (c == null) {
        return Collections.emptyList();
      }
      changed(table, c); // the list may be changed through it
      return (List<Object>) c.value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void add(Object value) {
      Objects.requireNonNull(value, "list state does not hold nulls");
      Cell c = write(table);
      if (c.value == null) {
        c.value = new ArrayList<>(4);
      }
      ((ArrayList<Object>) c.value).add(value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void addAll(List<Object> values) {
      if (values.isEmpty()) {
        return;
      }
      for (Object v : values) {
        Objects.requireNonNull(v, "list state does not hold nulls");
      }
      Cell c = write(table);
      if (c.value == null) {
        c.value = new ArrayList<>(values);
      } else {
        ((ArrayList<Object>) c.value).addAll(values);
      }
    }

    @Override
    public void update(List<Object> values) {
      if (values == null || values.isEmpty()) {
        remove(table);
        return;
      }
      for (Object v : values) {
        Objects.requireNonNull(v, "list state does not hold nulls");
      }
      write(table).value = new ArrayList<>(values);
    }
  }

  private final class MapHandle extends Handle implements MapState<Object, Object> {
    MapHandle(StateTable table) {
      super(table);
    }

    @SuppressWarnings("unchecked")
    private HashMap<Object, Object> read() {
      Cell c = cell(table);
      return c == null ? null : (HashMap<Object, Object>) c.value;
    }

    @Override
    public Object get(Object key) {
      HashMap<Object, Object> m = read();
      return m == null ? null : m.get(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void put(Object key, Object value) {
      Cell c = write(table);
      if (c.value == null) {
        c.value = new HashMap<>();
      }
      ((HashMap<Object, Object>) c.value).put(key, value);
    }

    @Override
    public void remove(Object key) {
      HashMap<Object, Object> m = read();
      if (m == null || !m.containsKey(key)) {
        return;
      }
      m.remove(key);
      if (m.isEmpty()) {
        HeapKeyedStateBackend.this.remove(table);
      } else {
        write(table);
      }
    }

    @Override
    public boolean contains(Object key) {
      HashMap<Object, Object> m = read();
      return m != null && m.containsKey(key);
    }

    /** The map for views that may change it (iterator remove, entry setValue): recorded as changed. */
    @SuppressWarnings("unchecked")
    private HashMap<Object, Object> readForView() {
      Cell c = cell(table);
      if (c == null) {
        return null;
      }
      changed(table, c);
      return (HashMap<Object, Object>) c.value;
    }

    @Override
    public Iterable<Map.Entry<Object, Object>> entries() {
      HashMap<Object, Object> m = readForView();
      return m == null ? Collections.emptySet() : m.entrySet();
    }

    @Override
    public Iterable<Object> keys() {
      HashMap<Object, Object> m = readForView();
      return m == null ? Collections.emptySet() : m.keySet();
    }

    @Override
    public Iterable<Object> values() {
      HashMap<Object, Object> m = readForView();
      return m == null ? Collections.emptyList() : m.values();
    }

    @Override
    public boolean isEmpty() {
      HashMap<Object, Object> m = read();
      return m == null || m.isEmpty();
    }
  }

  private final class Reducing extends Handle implements ReducingState<Object> {
    private final ReduceFunction<Object> fn;

    Reducing(StateTable table, ReduceFunction<Object> fn) {
      super(table);
      this.fn = fn;
    }

    @Override
    public Object get() {
      Cell c = cell(table);
      return c == null ? null : c.value;
    }

    @Override
    public void add(Object value) throws Exception {
      Cell c = cell(table);
      Object next = c == null || c.value == null ? value : fn.reduce(c.value, value);
      write(table).value = next;
    }
  }

  private final class Aggregating extends Handle implements AggregatingState<Object, Object> {
    private final Aggregation<Object, Object, Object> aggregation;

    Aggregating(StateTable table, Aggregation<Object, Object, Object> aggregation) {
      super(table);
      this.aggregation = aggregation;
    }

    @Override
    public Object get() throws Exception {
      Cell c = cell(table);
      return c == null ? null : aggregation.export(c.value);
    }

    @Override
    public void add(Object value) throws Exception {
      Cell c = cell(table);
      Object acc = c == null ? aggregation.create() : c.value;
      acc = aggregation.accumulate(acc, value);
      write(table).value = acc;
    }
  }
}
