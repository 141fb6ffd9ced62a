package dev.sluice.io;

import dev.sluice.api.Timestamped;
import dev.sluice.api.source.SourceOutput;
import java.util.ArrayList;
import java.util.List;

/** A SourceOutput that records what a reader emitted, and checks watermarks never go backwards. */
final class RecordingOutput<T> implements SourceOutput<T> {
  final List<Timestamped<T>> records = new ArrayList<>();
  final List<Long> watermarks = new ArrayList<>();
  /** For each record, the last watermark emitted before it. */
  final List<Long> watermarkBefore = new ArrayList<>();

  @Override
  public void collect(T record) {
    collect(record, Long.MIN_VALUE);
  }

  @Override
  public void collect(T record, long timestamp) {
    records.add(new Timestamped<>(record, timestamp));
    watermarkBefore.add(watermarks.isEmpty() ? Long.MIN_VALUE : watermarks.get(watermarks.size() - 1));
  }

  @Override
  public void emitWatermark(long watermark) {
    if (!watermarks.isEmpty() && watermark < watermarks.get(watermarks.size() - 1)) {
      throw new AssertionError("watermark went backwards: " + watermark + " after " + watermarks);
    }
    watermarks.add(watermark);
  }

  List<T> values() {
    List<T> v = new ArrayList<>();
    records.forEach(r -> v.add(r.value()));
    return v;
  }
}
