package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sluice.api.time.TimeDomain;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a {@link KeyedStateSnapshot} in checkpoint state files version 2: written one key
 * group at a time, so a heap backend's lazy snapshot ({@code KeyedStateSnapshot.groups()} builds
 * each group when it is asked for) never exists as a whole in memory, and state names are written
 * once per snapshot, not once per entry.
 *
 * <pre>
 *   maxKeyGroups | range start | range end | names: count, each a string | groups: count, each:
 *     key group | entries: count, each: name index, key, value, writtenAt | timers: count, each: domain, key, time
 * </pre>
 *
 * Keys and values are written with their class ({@code writeClassAndObject}) as before. Reading
 * gives a snapshot of plain {@code ArrayList}s whose values nothing else references (see
 * {@link KeyedStateSnapshot#exclusive}).
 */
final class KeyedStateSnapshotSerializer extends Serializer<KeyedStateSnapshot> {
  private static final TimeDomain[] DOMAINS = TimeDomain.values();

  KeyedStateSnapshotSerializer() {
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output out, KeyedStateSnapshot s) {
    out.writeVarInt(s.maxKeyGroups(), true);
    out.writeVarInt(s.range().start(), true);
    out.writeVarInt(s.range().end(), true);
    List<String> names = s.stateNames();
    out.writeVarInt(names.size(), true);
    for (String n : names) {
      out.writeString(n);
    }
    List<KeyedStateSnapshot.KeyGroupState> groups = s.groups();
    int n = groups.size();
    out.writeVarInt(n, true);
    String last = null;
    int lastIndex = -1;
    for (int i = 0; i < n; i++) {
      KeyedStateSnapshot.KeyGroupState g = groups.get(i);
      out.writeVarInt(g.keyGroup(), true);
      List<KeyedStateSnapshot.StateEntry> entries = g.entries();
      out.writeVarInt(entries.size(), true);
      for (KeyedStateSnapshot.StateEntry e : entries) {
        if (!e.state().equals(last)) {
          last = e.state();
          lastIndex = names.indexOf(last);
          if (lastIndex < 0) {
            throw new IllegalStateException("state '" + last + "' is not among the snapshot's state names " + names);
          }
        }
        out.writeVarInt(lastIndex, true);
        kryo.writeClassAndObject(out, e.key());
        kryo.writeClassAndObject(out, e.value());
        out.writeVarLong(e.writtenAt(), false);
      }
      List<KeyedStateSnapshot.TimerEntry> timers = g.timers();
      out.writeVarInt(timers.size(), true);
      for (KeyedStateSnapshot.TimerEntry t : timers) {
        out.writeByte(t.domain().ordinal());
        kryo.writeClassAndObject(out, t.key());
        out.writeVarLong(t.time(), false);
      }
    }
  }

  @Override
  public KeyedStateSnapshot read(Kryo kryo, Input in, Class<? extends KeyedStateSnapshot> type) {
    int maxKeyGroups = in.readVarInt(true);
    KeyGroupRange range = new KeyGroupRange(in.readVarInt(true), in.readVarInt(true));
    int nameCount = count(in, "state names");
    String[] names = new String[nameCount];
    for (int i = 0; i < nameCount; i++) {
      names[i] = in.readString();
    }
    int n = count(in, "key groups");
    List<KeyedStateSnapshot.KeyGroupState> groups = new ArrayList<>(Math.min(n, 1 << 16));
    for (int i = 0; i < n; i++) {
      int keyGroup = in.readVarInt(true);
      int entryCount = count(in, "entries");
      ArrayList<KeyedStateSnapshot.StateEntry> entries = new ArrayList<>(Math.min(entryCount, 1 << 16));
      for (int j = 0; j < entryCount; j++) {
        int name = in.readVarInt(true);
        if (name >= nameCount) {
          throw new IllegalStateException("state name index " + name + " out of range (" + nameCount + " names)");
        }
        Object key = kryo.readClassAndObject(in);
        Object value = kryo.readClassAndObject(in);
        entries.add(new KeyedStateSnapshot.StateEntry(names[name], key, value, in.readVarLong(false)));
      }
      int timerCount = count(in, "timers");
      ArrayList<KeyedStateSnapshot.TimerEntry> timers = new ArrayList<>(Math.min(timerCount, 1 << 16));
      for (int j = 0; j < timerCount; j++) {
        int d = in.readByte();
        if (d < 0 || d >= DOMAINS.length) {
          throw new IllegalStateException("unknown timer domain " + d);
        }
        Object key = kryo.readClassAndObject(in);
        timers.add(new KeyedStateSnapshot.TimerEntry(DOMAINS[d], key, in.readVarLong(false)));
      }
      groups.add(new KeyedStateSnapshot.KeyGroupState(keyGroup, entries, timers));
    }
    return KeyedStateSnapshot.exclusive(maxKeyGroups, range, groups);
  }

  private static int count(Input in, String what) {
    int n = in.readVarInt(true);
    if (n < 0) {
      throw new IllegalStateException("negative count of " + what + ": " + n);
    }
    return n;
  }
}
