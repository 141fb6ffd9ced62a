package dev.sluice.core.codec;

import static dev.sluice.core.codec.SpillFormat.BLOCK_SIZE;
import static dev.sluice.core.codec.SpillFormat.HEADER_SIZE;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** A {@link SpillOutput} writing {@link SpillFormat} blocks; one writer thread. */
final class SpillFileWriter implements SpillOutput {
  private final Serde serde;
  private final Path path;
  private final OutputStream out;
  private final Serde.Slot slot;
  private final Kryo kryo;
  /** The block being filled; its first HEADER_SIZE bytes are reserved for the header. */
  private final Output block;
  private final CRC32C crc = new CRC32C();
  private long flushed;
  private int records;
  private boolean closed;

  SpillFileWriter(Serde serde, Path path) throws IOException {
    this.serde = serde;
    this.path = path;
    this.out = Files.newOutputStream(path);
    boolean ok = false;
    try {
      byte[] magic = new byte[SpillFormat.MAGIC_SIZE];
      SpillFormat.putInt(magic, 0, SpillFormat.MAGIC);
      out.write(magic);
      ok = true;
    } finally {
      if (!ok) {
        out.close();
      }
    }
    flushed = SpillFormat.MAGIC_SIZE;
    this.slot = serde.borrow();
    this.kryo = slot.kryo;
    this.block = new Output(slot.block, -1);
    block.setPosition(HEADER_SIZE);
  }

  @Override
  public void write(Object record) throws IOException {
    if (closed) {
      throw new IOException("spill file " + path + " is already closed");
    }
    int start = block.position();
    try {
      kryo.writeClassAndObject(block, record);
    } catch (RuntimeException e) {
      // Drop the partial record. Kryo may already have numbered a class name inside it, so the
      // block ends here and the next one starts from a clean Kryo.
      block.setPosition(start);
      if (start > HEADER_SIZE) {
        flushBlock();
      } else {
        kryo.reset();
      }
      throw serde.writeFailure(record, e);
    }
    records++;
    if (block.position() >= HEADER_SIZE + BLOCK_SIZE) {
      flushBlock();
    }
  }

  @Override
  public long bytesWritten() {
    int pending = block.position();
    return flushed + (pending > HEADER_SIZE ? pending : 0);
  }

  private void flushBlock() throws IOException {
    int end = block.position();
    int length = end - HEADER_SIZE;
    byte[] buf = block.getBuffer();
    crc.reset();
    crc.update(buf, HEADER_SIZE, length);
    SpillFormat.putInt(buf, 0, length);
    SpillFormat.putInt(buf, 4, (int) crc.getValue());
    out.write(buf, 0, end);
    flushed += end;
    if (buf.length > 4 * BLOCK_SIZE) {
      block.setBuffer(new byte[HEADER_SIZE + BLOCK_SIZE + 1024], -1); // don't keep a huge buffer
    }
    slot.block = block.getBuffer(); // it may have grown: hand the current one back to the pool
    block.setPosition(HEADER_SIZE);
    kryo.reset(); // class names are numbered per block: a reader starts each block afresh
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (out) {
      if (block.position() > HEADER_SIZE) {
        flushBlock();
      }
      byte[] end = new byte[HEADER_SIZE];
      SpillFormat.putInt(end, 4, records);
      out.write(end);
      flushed += HEADER_SIZE;
    } finally {
      serde.release(slot);
    }
  }
}
