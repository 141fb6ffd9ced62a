package dev.sluice.core.runtime;

import dev.sluice.api.sink.SinkWriter;
import java.io.IOException;

/** Writes records through one task attempt's {@link SinkWriter}. */
final class SinkNode extends Node {
  private final SinkWriter<Object> writer;
  Object committable;

  SinkNode(int id, String name, SinkWriter<Object> writer) {
    super(id, name);
    this.writer = writer;
  }

  @Override
  public void collect(Object record) {
    in++;
    try {
      writer.write(record);
    } catch (IOException | RuntimeException e) {
      throw userError(e);
    }
  }

  /** Called after every node finished, when the attempt is about to succeed. */
  void prepareCommit() {
    try {
      committable = writer.prepareCommit();
      writer.close();
    } catch (IOException | RuntimeException e) {
      throw userError(e);
    }
  }

  @Override
  void abort() {
    try {
      writer.abort();
      writer.close();
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(SinkNode.class).warn("aborting writer of {} failed: {}", name, e.toString());
    }
  }
}
