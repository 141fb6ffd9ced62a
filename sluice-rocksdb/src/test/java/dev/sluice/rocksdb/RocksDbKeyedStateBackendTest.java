package dev.sluice.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.state.ListState;
import dev.sluice.api.state.MapState;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.core.codec.Serde;
import dev.sluice.core.stream.state.KeyGroupRange;
import dev.sluice.core.stream.state.KeyedStateBackend;
import dev.sluice.core.stream.state.KeyedStateBackendContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared backend contract on RocksDB, plus what only this backend has (files, layout). */
class RocksDbKeyedStateBackendTest extends KeyedStateBackendContractTest {
  @TempDir
  Path tmp;

  private final Serde serde = new Serde(Map.of(), Set.of());

  @Override
  protected KeyedStateBackend create(int maxKeyGroups, KeyGroupRange range, LongSupplier clock) {
    return new RocksDbKeyedStateBackend("test", maxKeyGroups, range, clock, serde, tmp);
  }

  @Test
  void closeRemovesTheInstanceDirectory() throws Exception {
    RocksDbKeyedStateBackend b = (RocksDbKeyedStateBackend) backend();
    Path dir = b.directory();
    assertThat(dir.getParent()).isEqualTo(tmp);
    assertThat(Files.list(dir)).isNotEmpty();
    b.close();
    assertThat(dir).doesNotExist();
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void keysWithCommonPrefixesAndMapKeysStayApart() {
    KeyedStateBackend b = backend();
    ValueState<String> v = b.state(StateSpec.value("v"));
    MapState<String, String> m = b.state(StateSpec.map("m"));
    ListState<String> l = b.state(StateSpec.list("l"));
    // Keys whose encodings prefix each other, and list elements holding the merge delimiter.
    String[] keys = {"", "a", "ab", "abc", "b"};
    for (String k : keys) {
      b.setCurrentKey(k);
      v.update("v" + k);
      m.put(k, "m" + k);
      m.put(k + "x", "mx" + k);
      l.add("l,," + k);
      l.add(",");
    }
    for (String k : keys) {
      b.setCurrentKey(k);
      assertThat(v.value()).isEqualTo("v" + k);
      assertThat(m.entries()).containsExactlyInAnyOrder(Map.entry(k, "m" + k), Map.entry(k + "x", "mx" + k));
      assertThat(l.get()).containsExactly("l,," + k, ",");
    }
    assertThat(b.size("m")).isEqualTo(keys.length);
    assertThat(b.snapshot().entryCount()).isEqualTo(3 * keys.length);
  }

  @Test
  void nativeCheckpointHoldsTheDatabaseFiles() throws Exception {
    RocksDbKeyedStateBackend b = (RocksDbKeyedStateBackend) backend();
    ValueState<List<Integer>> v = b.state(StateSpec.value("v"));
    for (int i = 0; i < 1000; i++) {
      b.setCurrentKey(i);
      v.update(List.of(i, i));
    }
    Path cp = tmp.resolve("chk-1");
    b.checkpointTo(cp);
    try (Stream<Path> files = Files.list(cp)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("MANIFEST"));
    }
  }
}
