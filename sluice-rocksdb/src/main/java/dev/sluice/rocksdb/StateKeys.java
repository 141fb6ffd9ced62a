package dev.sluice.rocksdb;

/**
 * The byte layout of RocksDB keys and values of {@link RocksDbKeyedStateBackend}.
 *
 * <pre>
 * key   = keyGroup (2 bytes, big-endian) | keyLength (varint) | key (the job's Serde)
 *         | stateId (2 bytes) [| mapKey (the job's Serde), map entries only]
 * value = writtenAt (8 bytes) | value (Serde)                 value, reducing, aggregating
 *       = writtenAt (8 bytes)                                  a map's head row (key without mapKey)
 *       = value (Serde)                                        a map entry
 *       = chunk (',' chunk)*  with chunk = writtenAt (8) | length (4) | element (Serde)   list
 * </pre>
 *
 * The key group comes first and big-endian, so the keys of a key-group range are one contiguous
 * range of RocksDB keys (a snapshot of a range is one iterator; a key group sorts before the next
 * one). The key's length makes the layout unambiguous whatever the key's encoding, and keeps every
 * state of one key next to each other. Values of one map are contiguous too: the head row sorts
 * first (it is a prefix of its entries), then the entries.
 */
final class StateKeys {
  private StateKeys() {}

  /** The delimiter of RocksDB's string-append merge operator, between list chunks. */
  static final char LIST_DELIMITER = ',';

  static final int TS_BYTES = 8;

  /** Writes {@code group | varint(len) | key} at the start of {@code buf} (which must be large enough); returns the length. */
  static int writePrefix(byte[] buf, int group, byte[] key) {
    buf[0] = (byte) (group >>> 8);
    buf[1] = (byte) group;
    int pos = 2;
    int len = key.length;
    while ((len & ~0x7F) != 0) {
      buf[pos++] = (byte) ((len & 0x7F) | 0x80);
      len >>>= 7;
    }
    buf[pos++] = (byte) len;
    System.arraycopy(key, 0, buf, pos, key.length);
    return pos + key.length;
  }

  /** The largest prefix for a key of {@code keyLength} bytes. */
  static int maxPrefixLength(int keyLength) {
    return 2 + 5 + keyLength;
  }

  /** The two-byte key-group start of a range bound ({@code group} may be {@code maxKeyGroups}, the end). */
  static byte[] groupBound(int group) {
    return new byte[] {(byte) (group >>> 8), (byte) group};
  }

  static int group(byte[] key) {
    return ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
  }

  /** A parsed RocksDB key (offsets into the array it was parsed from). */
  static final class Parsed {
    int group;
    int keyOffset;
    int keyLength;
    int stateId;
    /** Offset of the map key; equal to the array's length when there is none. */
    int mapKeyOffset;

    void parse(byte[] k) {
      group = group(k);
      int pos = 2;
      int len = 0;
      int shift = 0;
      byte b;
      do {
        b = k[pos++];
        len |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      keyOffset = pos;
      keyLength = len;
      pos += len;
      stateId = ((k[pos] & 0xFF) << 8) | (k[pos + 1] & 0xFF);
      mapKeyOffset = pos + 2;
    }
  }

  static void writeLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  static void writeInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
  }

  /** True if {@code key} starts with the first {@code len} bytes of {@code prefix}. */
  static boolean startsWith(byte[] key, byte[] prefix, int len) {
    if (key.length < len) {
      return false;
    }
    for (int i = len - 1; i >= 0; i--) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
