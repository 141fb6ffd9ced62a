package dev.sluice.core.codec;

import static dev.sluice.core.codec.TestValues.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.KV;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillFileTest {
  private final Serde serde = new Serde(Map.of(), Set.of());

  @TempDir Path dir;

  @Test
  void manyRecordsOfManyShapesComeBackInOrder() throws IOException {
    long seed = System.nanoTime();
    Random r = new Random(seed);
    List<Object> written = new ArrayList<>();
    Path file = dir.resolve("many.spill");
    long reported;
    try (SpillOutput out = serde.openWrite(file)) {
      for (int i = 0; i < 50_000; i++) {
        Object v = i % 3 == 0 ? KV.of("key-" + i, new long[] {i, -i}) : TestValues.value(r, 2);
        written.add(v);
        out.write(v);
      }
      out.write(null);
      written.add(null);
      out.write(new long[300_000]); // one record larger than a block
      written.add(new long[300_000]);
      out.write("after the big one");
      written.add("after the big one");
      out.close();
      reported = out.bytesWritten();
    }
    assertThat(reported).isEqualTo(Files.size(file));
    assertThat(Files.size(file)).as("several blocks").isGreaterThan(3 * SpillFormat.BLOCK_SIZE);

    try (SpillInput in = serde.openRead(file)) {
      for (int i = 0; i < written.size(); i++) {
        assertThat(in.hasNext()).as("seed %d, record %d", seed, i).isTrue();
        assertDeepEquals(in.next(), written.get(i), "seed " + seed + ", record " + i);
      }
      assertThat(in.hasNext()).isFalse();
      assertThat(in.hasNext()).isFalse();
      assertThatThrownBy(in::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void anEmptySpillFileHasNoRecords() throws IOException {
    Path file = dir.resolve("empty.spill");
    SpillOutput out = serde.openWrite(file);
    assertThat(out.bytesWritten()).isEqualTo(4);
    out.close();
    assertThat(out.bytesWritten()).isEqualTo(Files.size(file)).isEqualTo(12);
    try (SpillInput in = serde.openRead(file)) {
      assertThat(in.hasNext()).isFalse();
    }
  }

  @Test
  void aMissingFileIsNamed() {
    Path file = dir.resolve("nope.spill");
    assertThatThrownBy(() -> serde.openRead(file))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void aTruncatedFileFailsWithItsNameAndOffsetAtEveryCut() throws IOException {
    Path file = dir.resolve("whole.spill");
    try (SpillOutput out = serde.openWrite(file)) {
      for (int i = 0; i < 20_000; i++) {
        out.write(KV.of("k" + i, (long) i));
      }
    }
    byte[] whole = Files.readAllBytes(file);
    Random r = new Random(7);
    int firstBlockEnd = 4 + 8 + SpillFormat.getInt(whole, 4);
    int[] cuts = {0, 2, 4, 5, 11, 12, 13, firstBlockEnd, firstBlockEnd + 3, whole.length / 2,
        whole.length - 8, whole.length - 1, r.nextInt(whole.length - 12) + 12};
    for (int cut : cuts) {
      Path truncated = dir.resolve("cut-" + cut + ".spill");
      Files.write(truncated, Arrays.copyOf(whole, cut));
      assertThatThrownBy(() -> {
        try (SpillInput in = serde.openRead(truncated)) {
          while (in.hasNext()) {
            in.next();
          }
        }
      }).as("cut at %d", cut)
          .isInstanceOf(CodecException.class)
          .hasMessageStartingWith("spill file " + truncated + " is truncated or corrupt at byte ")
          .hasNoCause();
    }
  }

  @Test
  void aFlippedByteIsReportedAsCorruptWithTheBlockOffset() throws IOException {
    Path file = dir.resolve("flip.spill");
    try (SpillOutput out = serde.openWrite(file)) {
      for (int i = 0; i < 20_000; i++) {
        out.write("record " + i);
      }
    }
    byte[] bytes = Files.readAllBytes(file);
    int secondBlock = 4 + 8 + SpillFormat.getInt(bytes, 4);
    bytes[secondBlock + 8 + 100] ^= 0x40;
    Files.write(file, bytes);
    try (SpillInput in = serde.openRead(file)) {
      assertThatThrownBy(() -> {
        while (in.hasNext()) {
          in.next();
        }
      }).isInstanceOf(CodecException.class)
          .hasMessage("spill file " + file + " is truncated or corrupt at byte " + secondBlock
              + ": the checksum of a block of " + SpillFormat.getInt(bytes, secondBlock) + " bytes does not match");
    }
  }

  @Test
  void aFileThatIsNotASpillFileIsRejected() throws IOException {
    Path file = dir.resolve("text.spill");
    Files.writeString(file, "hello world");
    assertThatThrownBy(() -> serde.openRead(file))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("spill file " + file + " is truncated or corrupt at byte 0");
  }

  @Test
  void garbageInsideAValidBlockIsACorruptionNotAStackTrace() throws IOException {
    // A block whose checksum is right but whose payload is not Kryo data (e.g. a format change).
    byte[] payload = {(byte) 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 1, 2, 3};
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(payload);
    byte[] file = new byte[4 + 8 + payload.length + 8];
    SpillFormat.putInt(file, 0, SpillFormat.MAGIC);
    SpillFormat.putInt(file, 4, payload.length);
    SpillFormat.putInt(file, 8, (int) crc.getValue());
    System.arraycopy(payload, 0, file, 12, payload.length);
    SpillFormat.putInt(file, file.length - 4, 1);
    Path path = dir.resolve("garbage.spill");
    Files.write(path, file);
    try (SpillInput in = serde.openRead(path)) {
      assertThatThrownBy(in::next)
          .isInstanceOf(CodecException.class)
          .hasMessageStartingWith("spill file " + path + " is truncated or corrupt at byte 12: cannot read a value (");
    }
  }

  @Test
  void aValueThatCannotBeWrittenLeavesTheFileUsable() throws IOException {
    Path file = dir.resolve("partial.spill");
    try (SpillOutput out = serde.openWrite(file)) {
      out.write("before");
      assertThatThrownBy(() -> out.write(List.of(Thread.currentThread())))
          .isInstanceOf(CodecException.class)
          .hasMessageStartingWith("cannot serialize a value of class ");
      out.write("after");
    }
    try (SpillInput in = serde.openRead(file)) {
      assertThat(in.next()).isEqualTo("before");
      assertThat(in.next()).isEqualTo("after");
      assertThat(in.hasNext()).isFalse();
    }
  }

  @Test
  void aClassNameIsWrittenOncePerBlockNotOncePerRecord() throws IOException {
    Path file = dir.resolve("points.spill");
    int n = 30_000;
    try (SpillOutput out = serde.openWrite(file)) {
      for (int i = 0; i < n; i++) {
        out.write(new TestValues.Point("p" + (i % 100), i, i * 0.5));
      }
    }
    // The class name alone is 37 bytes; a Point's fields take about 15.
    assertThat(Files.size(file) / (double) n).isLessThan(20.0);
    assertThat(Files.size(file)).isGreaterThan(2L * SpillFormat.BLOCK_SIZE);
    // Every block names the class afresh, so a fresh reader resolves (and checks) it per block.
    Serde fresh = new Serde(Map.of(), Set.of(TestValues.Point.class));
    try (SpillInput in = fresh.openRead(file)) {
      for (int i = 0; i < n; i++) {
        assertThat(in.next()).isEqualTo(new TestValues.Point("p" + (i % 100), i, i * 0.5));
      }
      assertThat(in.hasNext()).isFalse();
    }
  }
}
