package dev.sluice.core.stream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyedStateBackendsTest {

  static final class RunningCount extends KeyedProcessFunction<Integer, Integer, String> {
    private transient ValueState<Integer> count;

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(StateSpec.value("count"));
    }

    @Override
    public void processElement(Integer v, Context<Integer> ctx, Collector<String> out) {
      Integer c = count.value();
      int n = c == null ? 1 : c + 1;
      count.update(n);
      out.collect(ctx.currentKey() + "=" + n);
    }
  }

  @Test
  void heapIsTheDefaultAndNamesAreNormalised() {
    assertThat(RunOptions.streaming().stateBackend()).isEqualTo("heap");
    assertThat(RunOptions.streaming().withStateBackend(" RocksDB ").stateBackend()).isEqualTo("rocksdb");
    assertThat(RunOptions.streaming().withParallelism(2).withStateBackend("rocksdb").withParallelism(3).stateBackend())
        .isEqualTo("rocksdb");
    assertThat(KeyedStateBackends.factory("heap", getClass().getClassLoader())).isSameAs(KeyedStateBackends.HEAP);
    assertThatThrownBy(() -> RunOptions.streaming().withStateBackend(" ")).hasMessageContaining("blank");
  }

  @Test
  void rocksdbWithoutItsModuleFailsNamingTheDependency() {
    // sluice-rocksdb is not on sluice-core's test class path.
    assertThatThrownBy(() -> Pipeline.create("no-rocks").fromCollection(List.of(1, 2, 1)).keyBy(k -> k)
        .process(new RunningCount()).collect(RunOptions.streaming().withStateBackend("rocksdb")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("state backend 'rocksdb' is not on the class path")
        .hasMessageContaining("dev.sluice:sluice-rocksdb");
    assertThatThrownBy(() -> KeyedStateBackends.factory("lmdb", getClass().getClassLoader()))
        .hasMessageContaining("unknown state backend 'lmdb'").hasMessageContaining("[heap]");
  }

  @Test
  void heapBackendRunsEndToEnd() {
    List<String> got = Pipeline.create("heap").fromCollection(List.of(1, 2, 1)).keyBy(k -> k)
        .process(new RunningCount()).collect(RunOptions.streaming().withStateBackend("heap").withParallelism(2));
    assertThat(got).containsExactlyInAnyOrder("1=1", "2=1", "1=2");
  }
}
