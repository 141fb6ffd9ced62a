package dev.sluice.api.function;

import dev.sluice.api.SideOutput;
import java.io.Serializable;

/**
 * The general per-record operator of {@code Dataset.process}: sees each record with its timestamp
 * and may emit to the main output and to side outputs. One instance per task; called from the task's
 * thread only.
 */
public abstract class ProcessFunction<I, O> implements Serializable {

  /** What a call can see besides the record. Valid only during the call. */
  public interface Context {
    /** The record's event timestamp, or {@link Long#MIN_VALUE} if it has none. */
    long timestamp();

    long currentWatermark();

    long currentProcessingTime();

    /** Emits {@code value} to a side output, read with {@code Dataset.sideOutput(tag)}. */
    <X> void output(SideOutput<X> tag, X value);
  }

  /** Called once per task before the first record. */
  public void open() throws Exception {}

  public abstract void processElement(I value, Context ctx, Collector<O> out) throws Exception;

  /** Called once per task after the last record (bounded input) or on cancel. */
  public void close() throws Exception {}
}
