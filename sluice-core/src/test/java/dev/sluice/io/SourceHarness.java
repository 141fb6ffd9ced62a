package dev.sluice.io;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.DeadLetter;
import dev.sluice.api.source.Source;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SourceSplit;
import dev.sluice.api.source.SplitReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Drives a source through its contract the way the runtime does: splits, then a reader per split. */
final class SourceHarness {
  private SourceHarness() {}

  /** A SourceContext that applies the bad-record policy like the runtime. */
  static final class FakeContext implements SourceContext {
    final BadRecordPolicy policy;
    final String sourceName;
    final List<DeadLetter> deadLetters = new ArrayList<>();
    int skipped;

    FakeContext(BadRecordPolicy policy, String sourceName) {
      this.policy = policy;
      this.sourceName = sourceName;
    }

    @Override public int partition() { return 0; }

    @Override public int attempt() { return 0; }

    @Override
    public void badRecord(String raw, String position, String reason) {
      switch (policy) {
        case FAIL -> throw new BadRecordException(position, reason, raw);
        case SKIP -> skipped++;
        case DEAD_LETTER -> deadLetters.add(new DeadLetter(sourceName, position, raw, reason));
      }
    }
  }

  /** What reading every split gave. */
  record Result<T>(List<? extends SourceSplit> splits, List<List<T>> perSplit,
      List<List<String>> positions, List<Long> bytesRead, FakeContext context) {
    List<T> all() {
      List<T> all = new ArrayList<>();
      perSplit.forEach(all::addAll);
      return all;
    }
  }

  static <T> Result<T> read(Source<T> source, int parallelism) throws IOException {
    List<? extends SourceSplit> splits = source.splits(parallelism);
    FakeContext ctx = new FakeContext(source.badRecordPolicy(), source.name());
    List<List<T>> perSplit = new ArrayList<>();
    List<List<String>> positions = new ArrayList<>();
    List<Long> bytes = new ArrayList<>();
    for (SourceSplit split : splits) {
      List<T> records = new ArrayList<>();
      List<String> pos = new ArrayList<>();
      try (SplitReader<T> reader = source.reader(split, ctx)) {
        @SuppressWarnings("unchecked")
        SplitReader<T>[] self = new SplitReader[] {reader};
        int calls = 0;
        while (reader.read(r -> {
          records.add(r);
          pos.add(self[0].position());
        })) {
          if (++calls > 10_000_000) {
            throw new AssertionError("reader makes no progress");
          }
        }
        assert !reader.read(r -> { throw new AssertionError("read after end emitted " + r); });
        bytes.add(reader.bytesRead());
      }
      perSplit.add(records);
      positions.add(pos);
    }
    return new Result<>(splits, perSplit, positions, bytes, ctx);
  }

  static <T> List<T> readAll(Source<T> source) throws IOException {
    return read(source, 4).all();
  }
}
