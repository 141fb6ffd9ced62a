package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every task gets its own copy of a process function: state handles kept in fields are not shared. */
class ProcessFunctionPerTaskTest {

  static final class RunningCount extends KeyedProcessFunction<Integer, Integer, KV<Integer, Long>> {
    static final StateSpec<ValueState<Long>> COUNT = StateSpec.value("count");
    private ValueState<Long> count;

    @Override
    public void open(InitContext ctx) {
      count = ctx.state(COUNT);
    }

    @Override
    public void processElement(Integer value, Context<Integer> ctx, Collector<KV<Integer, Long>> out) {
      Long c = count.value();
      long next = c == null ? 1 : c + 1;
      count.update(next);
      out.collect(KV.of(ctx.currentKey(), next));
    }
  }

  @Test
  void keyedStateHandlesInFieldsAreNotSharedBetweenTasks() {
    List<Integer> input = new ArrayList<>();
    Map<Integer, Long> expected = new HashMap<>();
    for (int i = 0; i < 5000; i++) {
      input.add(i);
      expected.merge(i % 37, 1L, Long::sum);
    }
    Pipeline p = Pipeline.create("per-task");
    List<KV<Integer, Long>> out = p.fromCollection(input).keyBy(i -> i % 37).process(new RunningCount())
        .collect(RunOptions.streaming().withParallelism(4));
    Map<Integer, Long> max = new HashMap<>();
    for (KV<Integer, Long> kv : out) {
      max.merge(kv.key(), kv.value(), Math::max);
    }
    assertThat(out).hasSize(input.size());
    assertThat(max).isEqualTo(expected);
  }

  static final class NotSerializableField extends KeyedProcessFunction<Integer, Integer, Integer> {
    @SuppressWarnings("unused")
    private final Object lock = new Object();

    @Override
    public void processElement(Integer value, Context<Integer> ctx, Collector<Integer> out) {
      out.collect(value);
    }
  }

  @Test
  void aFunctionThatCannotBeCopiedFailsWithAMessageSayingWhatToDo() {
    Pipeline p = Pipeline.create("not-serializable");
    assertThatThrownBy(() -> p.fromCollection(List.of(1, 2)).keyBy(i -> i).process(new NotSerializableField())
        .collect(RunOptions.streaming().withParallelism(2)))
        .hasMessageContaining("cannot be copied for each task").hasMessageContaining("serializable");
  }
}
