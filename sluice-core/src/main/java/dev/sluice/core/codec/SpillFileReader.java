package dev.sluice.core.codec;

import static dev.sluice.core.codec.SpillFormat.HEADER_SIZE;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/** A {@link SpillInput} over {@link SpillFormat} blocks; one reader thread. */
final class SpillFileReader implements SpillInput {
  private final Serde serde;
  private final Path path;
  private final String where;
  private final InputStream in;
  private final long fileSize;
  private final Serde.Slot slot;
  private final Kryo kryo;
  private final Input input = new Input();
  private final byte[] header = new byte[HEADER_SIZE];
  private final CRC32C crc = new CRC32C();
  private byte[] buf;
  private int blockLength;
  /** File offset of the current block's payload. */
  private long payloadStart;
  private long nextBlock = SpillFormat.MAGIC_SIZE;
  private boolean end;
  private int records;
  private boolean closed;

  SpillFileReader(Serde serde, Path path) throws IOException {
    this.serde = serde;
    this.path = path;
    this.where = "spill file " + path;
    try {
      this.in = Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, "spill file does not exist");
    }
    boolean ok = false;
    try {
      this.fileSize = Files.size(path);
      byte[] magic = new byte[SpillFormat.MAGIC_SIZE];
      int n = readFully(magic, SpillFormat.MAGIC_SIZE);
      if (n < SpillFormat.MAGIC_SIZE) {
        throw damaged(0, "it has " + n + " bytes, less than the 4-byte file header");
      }
      int found = SpillFormat.getInt(magic, 0);
      if (found != SpillFormat.MAGIC) {
        throw damaged(0, "it does not start with the spill file header (found 0x"
            + Integer.toHexString(found) + ")");
      }
      ok = true;
    } finally {
      if (!ok) {
        in.close();
      }
    }
    this.slot = serde.borrow();
    this.kryo = slot.kryo;
    this.buf = slot.block;
    input.setBuffer(buf, 0, 0);
  }

  @Override
  public boolean hasNext() throws IOException {
    if (input.position() < blockLength) {
      return true;
    }
    if (end || closed) {
      return false;
    }
    return nextBlock();
  }

  @Override
  public Object next() throws IOException {
    if (!hasNext()) {
      throw new NoSuchElementException("no more records in " + where);
    }
    int at = input.position();
    records++;
    try {
      return kryo.readClassAndObject(input);
    } catch (RuntimeException | StackOverflowError e) {
      throw serde.readFailure(where, payloadStart + at, e);
    }
  }

  private boolean nextBlock() throws IOException {
    long offset = nextBlock;
    int n = readFully(header, HEADER_SIZE);
    if (n < HEADER_SIZE) {
      throw damaged(offset, n == 0 ? "the file ends without its end marker"
          : "a block header has only " + n + " of " + HEADER_SIZE + " bytes");
    }
    int length = SpillFormat.getInt(header, 0);
    long remaining = fileSize - offset - HEADER_SIZE;
    if (length == 0) {
      int expected = SpillFormat.getInt(header, 4);
      if (expected != records) {
        throw damaged(offset, "the end marker counts " + expected + " records but " + records
            + " were read");
      }
      if (remaining != 0) {
        throw damaged(offset + HEADER_SIZE, remaining + " bytes follow the end marker");
      }
      end = true;
      return false;
    }
    if (length < 0) {
      throw damaged(offset, "a block claims a length of " + length + " bytes");
    }
    if (length > remaining) {
      throw damaged(offset, "a block of " + length + " bytes has only " + Math.max(remaining, 0)
          + " bytes left in the file");
    }
    if (length > buf.length) {
      buf = new byte[length];
      if (length <= 4 * SpillFormat.BLOCK_SIZE) {
        slot.block = buf;
      }
    }
    n = readFully(buf, length);
    if (n < length) {
      throw damaged(offset, "a block of " + length + " bytes ends after " + n + " bytes");
    }
    crc.reset();
    crc.update(buf, 0, length);
    if ((int) crc.getValue() != SpillFormat.getInt(header, 4)) {
      throw damaged(offset, "the checksum of a block of " + length + " bytes does not match");
    }
    input.setBuffer(buf, 0, length);
    kryo.reset(); // the writer numbered class names afresh in this block
    blockLength = length;
    payloadStart = offset + HEADER_SIZE;
    nextBlock = payloadStart + length;
    return true;
  }

  private CodecException damaged(long offset, String detail) {
    return new CodecException(where + " is truncated or corrupt at byte " + offset + ": " + detail);
  }

  private int readFully(byte[] b, int length) throws IOException {
    int n = 0;
    while (n < length) {
      int r = in.read(b, n, length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    blockLength = 0;
    input.setBuffer(new byte[0]);
    try {
      in.close();
    } finally {
      serde.release(slot);
    }
  }
}
