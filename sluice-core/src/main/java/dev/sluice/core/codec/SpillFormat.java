package dev.sluice.core.codec;

/**
 * Layout of a spill file.
 *
 * <pre>
 *   magic "SLS1" (4 bytes; the digit is the format version)
 *   block*: payload length (int, big-endian) | CRC32C of the payload (int) | payload
 *   end marker: 0 (int) | number of records in the file (int)
 * </pre>
 *
 * A payload is a run of Kryo {@code writeClassAndObject} records; a record never spans blocks, and
 * Kryo is reset at each block start (not after each record), so a class written by name has its
 * name in the block once and a small number after that. A
 * block is cut once it holds {@link #BLOCK_SIZE} bytes, so one larger record makes one larger
 * block. The checksum lets a reader tell a corrupt block from a format problem before it decodes
 * anything; the lengths and the end marker let it tell a truncated file from a finished one, even
 * when the cut falls exactly between two blocks.
 */
final class SpillFormat {
  static final int MAGIC = 0x534C5331; // "SLS1"
  static final int MAGIC_SIZE = 4;
  static final int HEADER_SIZE = 8;
  static final int BLOCK_SIZE = 64 * 1024;

  private SpillFormat() {}

  static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  static int getInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
  }
}
