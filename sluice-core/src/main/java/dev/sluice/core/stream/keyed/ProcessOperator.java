package dev.sluice.core.stream.keyed;

import dev.sluice.api.SideOutput;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.ProcessFunction;
import dev.sluice.api.plan.Op;
import dev.sluice.core.stream.OperatorContext;
import dev.sluice.core.stream.Output;
import dev.sluice.core.stream.StreamOperator;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts a non-keyed {@link ProcessFunction} ({@link Op.Process}): each element with its timestamp,
 * the current watermark and processing time; emitted records carry the element's timestamp;
 * watermarks are forwarded unchanged.
 *
 * <p>Checkpoints: the operator itself holds only the current watermark (what
 * {@code ctx.currentWatermark()} returns), which it snapshots so that a restored function sees the
 * same watermark until the next one arrives; a restore takes the smallest of the old tasks'. The
 * function's own fields are not checkpointed: a function that needs state across failures is a
 * keyed process function with keyed state.
 */
public final class ProcessOperator implements StreamOperator {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessOperator.class);

  private final ProcessFunction<Object, Object> function;
  private final Contexts contexts = new Contexts();
  private OperatorContext ctx;
  private Output out;
  private long watermark = Long.MIN_VALUE;
  private long timestamp = Long.MIN_VALUE;

  @SuppressWarnings("unchecked")
  public ProcessOperator(Op.Process op) {
    this.function = (ProcessFunction<Object, Object>) Objects.requireNonNull(op.function(), "function");
  }

  @Override
  public void open(OperatorContext ctx) throws Exception {
    this.ctx = ctx;
    this.out = ctx.output();
    function.open();
  }

  @Override
  public void processElement(int input, Object key, Object value, long timestamp) throws Exception {
    this.timestamp = timestamp;
    function.processElement(value, contexts, contexts);
  }

  @Override
  public void processWatermark(long watermark) {
    this.watermark = watermark;
    out.emitWatermark(watermark);
  }

  /** The watermark, the operator's only state. */
  public record Snapshot(long watermark) implements java.io.Serializable {}

  @Override
  public Object snapshotState(long checkpointId) {
    return new Snapshot(watermark);
  }

  @Override
  public void restoreState(java.util.List<Object> snapshots) {
    long wm = Long.MAX_VALUE;
    boolean any = false;
    for (Object o : snapshots) {
      if (o instanceof Snapshot s) {
        wm = Math.min(wm, s.watermark());
        any = true;
      }
    }
    if (any) {
      watermark = wm;
    }
  }

  @Override
  public void finish() {}

  @Override
  public void close() {
    try {
      function.close();
    } catch (Exception e) {
      LOG.warn("{}: the process function's close() failed", ctx == null ? "process" : ctx.name(), e);
    }
  }

  private final class Contexts implements ProcessFunction.Context, Collector<Object> {
    @Override
    public long timestamp() {
      return timestamp;
    }

    @Override
    public long currentWatermark() {
      return watermark;
    }

    @Override
    public long currentProcessingTime() {
      return ctx.currentProcessingTime();
    }

    @Override
    public <X> void output(SideOutput<X> tag, X value) {
      out.emitSide(tag.name(), value, timestamp);
    }

    @Override
    public void collect(Object record) {
      out.emit(record, timestamp);
    }
  }
}
