package dev.sluice.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.internal.CollectSink;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.StreamOperator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The runtime reads an enrich operator's broadcast table completely before its first stream record. */
class StreamingEnrichGateTest {
  /** Emits, per stream record, how many table records it had seen. */
  static final class TableCounter implements StreamOperator {
    private OperatorContext ctx;
    private long table;

    @Override public void open(OperatorContext ctx) { this.ctx = ctx; }

    @Override
    public void processElement(int input, Object key, Object value, long timestamp) {
      if (input == 1) {
        table++;
      } else {
        ctx.output().emit(table, timestamp);
      }
    }

    @Override public void processWatermark(long watermark) { ctx.output().emitWatermark(watermark); }

    @Override public void finish() {}
  }

  @Test
  void everyTaskSeesTheWholeTableBeforeTheStream() {
    for (int parallelism : new int[] {1, 2, 4}) {
      Pipeline p = Pipeline.create("enrich");
      var stream = p.fromCollection(IntStream.range(0, 5000).boxed().toList()).keyBy(x -> x % 10);
      var table = p.fromCollection(IntStream.range(0, 3000).boxed().toList()).keyBy(x -> x % 10);
      CollectSink<Object> sink = new CollectSink<>();
      stream.enrich(table).write(sink);
      new StreamExecution(p.plan(), RunOptions.streaming().withParallelism(parallelism),
          StreamConfig.DEFAULT.withOperators((op, cl) -> new TableCounter())).start().await();
      assertThat(sink.result()).as("parallelism " + parallelism).hasSize(5000).containsOnly(3000L);
    }
  }
}
