package dev.sluice.jdbc;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.UUID;

/**
 * Compact binary rows for the exactly-once sink: the rows written between two checkpoints travel
 * in the checkpoint metadata as one {@code byte[]}. One tag byte per value, then the value
 * (varints for integers). Not thread-safe; one per writer.
 */
final class RowCodec {
  private static final byte NULL = 0, STRING = 1, INT = 2, LONG = 3, DOUBLE = 4, FLOAT = 5, BOOL_T = 6, BOOL_F = 7,
      DECIMAL = 8, BYTES = 9, INSTANT = 10, LOCAL_DATE = 11, LOCAL_DATE_TIME = 12, TIMESTAMP = 13, SQL_DATE = 14,
      SHORT = 15, BYTE = 16, UUID_T = 17;

  private byte[] buf = new byte[4096];
  private int len;

  int size() {
    return len;
  }

  byte[] toBytes() {
    return Arrays.copyOf(buf, len);
  }

  void reset() {
    if (buf.length > (1 << 22)) {
      buf = new byte[4096];
    }
    len = 0;
  }

  /** Appends one row; on a value of an unsupported type, throws naming the column and leaves the buffer as it was. */
  void write(Object[] row, java.util.List<String> columns) throws IOException {
    int start = len;
    try {
      for (int i = 0; i < row.length; i++) {
        writeValue(row[i], columns.get(i));
      }
    } catch (IOException | RuntimeException e) {
      len = start;
      throw e;
    }
  }

  private void writeValue(Object v, String column) throws IOException {
    if (v == null) {
      put(NULL);
    } else if (v instanceof String s) {
      put(STRING);
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      bytes(b);
    } else if (v instanceof Integer x) {
      put(INT);
      varlong(zigzag(x));
    } else if (v instanceof Long x) {
      put(LONG);
      varlong(zigzag(x));
    } else if (v instanceof Double x) {
      put(DOUBLE);
      fixed(Double.doubleToRawLongBits(x));
    } else if (v instanceof Float x) {
      put(FLOAT);
      varlong(Float.floatToRawIntBits(x) & 0xffffffffL);
    } else if (v instanceof Boolean x) {
      put(x ? BOOL_T : BOOL_F);
    } else if (v instanceof Short x) {
      put(SHORT);
      varlong(zigzag(x));
    } else if (v instanceof Byte x) {
      put(BYTE);
      put(x);
    } else if (v instanceof BigDecimal d) {
      put(DECIMAL);
      varlong(zigzag(d.scale()));
      byte[] b = d.unscaledValue().toByteArray();
      varint(b.length);
      bytes(b);
    } else if (v instanceof byte[] b) {
      put(BYTES);
      varint(b.length);
      bytes(b);
    } else if (v instanceof java.sql.Timestamp t) {
      put(TIMESTAMP);
      varlong(zigzag(t.getTime()));
      varint(t.getNanos());
    } else if (v instanceof java.sql.Date d) {
      put(SQL_DATE);
      varlong(zigzag(d.toLocalDate().toEpochDay()));
    } else if (v instanceof Instant t) {
      put(INSTANT);
      varlong(zigzag(t.getEpochSecond()));
      varint(t.getNano());
    } else if (v instanceof LocalDate d) {
      put(LOCAL_DATE);
      varlong(zigzag(d.toEpochDay()));
    } else if (v instanceof LocalDateTime t) {
      put(LOCAL_DATE_TIME);
      varlong(zigzag(t.toLocalDate().toEpochDay()));
      varlong(t.toLocalTime().toNanoOfDay());
    } else if (v instanceof UUID u) {
      put(UUID_T);
      fixed(u.getMostSignificantBits());
      fixed(u.getLeastSignificantBits());
    } else {
      throw new IOException("column " + column + ": values of type " + v.getClass().getName()
          + " are not supported by the JDBC sink; map them to String, Long, Double, BigDecimal, Instant, LocalDateTime,"
          + " byte[] or another supported type in the row mapper");
    }
  }

  /** Reads rows of {@code width} values back. */
  static final class Reader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b) {
      this.b = b;
    }

    boolean hasNext() {
      return pos < b.length;
    }

    Object[] next(int width) {
      Object[] row = new Object[width];
      for (int i = 0; i < width; i++) {
        row[i] = value();
      }
      return row;
    }

    private Object value() {
      byte tag = b[pos++];
      switch (tag) {
        case NULL: return null;
        case STRING: {
          int n = (int) varlong();
          String s = new String(b, pos, n, StandardCharsets.UTF_8);
          pos += n;
          return s;
        }
        case INT: return (int) unzigzag(varlong());
        case LONG: return unzigzag(varlong());
        case DOUBLE: return Double.longBitsToDouble(fixed());
        case FLOAT: return Float.intBitsToFloat((int) varlong());
        case BOOL_T: return Boolean.TRUE;
        case BOOL_F: return Boolean.FALSE;
        case SHORT: return (short) unzigzag(varlong());
        case BYTE: return b[pos++];
        case DECIMAL: {
          int scale = (int) unzigzag(varlong());
          return new BigDecimal(new BigInteger(raw()), scale);
        }
        case BYTES: return raw();
        case TIMESTAMP: {
          java.sql.Timestamp t = new java.sql.Timestamp(unzigzag(varlong()));
          t.setNanos((int) varlong());
          return t;
        }
        case SQL_DATE: return java.sql.Date.valueOf(LocalDate.ofEpochDay(unzigzag(varlong())));
        case INSTANT: return Instant.ofEpochSecond(unzigzag(varlong()), varlong());
        case LOCAL_DATE: return LocalDate.ofEpochDay(unzigzag(varlong()));
        case LOCAL_DATE_TIME: {
          LocalDate d = LocalDate.ofEpochDay(unzigzag(varlong()));
          return LocalDateTime.of(d, java.time.LocalTime.ofNanoOfDay(varlong()));
        }
        case UUID_T: return new UUID(fixed(), fixed());
        default: throw new IllegalStateException("corrupt row buffer: tag " + tag + " at byte " + (pos - 1));
      }
    }

    private byte[] raw() {
      int n = (int) varlong();
      byte[] r = Arrays.copyOfRange(b, pos, pos + n);
      pos += n;
      return r;
    }

    private long varlong() {
      long v = 0;
      int shift = 0;
      while (true) {
        byte x = b[pos++];
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) {
          return v;
        }
        shift += 7;
      }
    }

    private long fixed() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (b[pos++] & 0xff);
      }
      return v;
    }
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  private void put(byte x) {
    ensure(1);
    buf[len++] = x;
  }

  private void bytes(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
  }

  private void varint(int v) {
    varlong(v & 0xffffffffL);
  }

  private void varlong(long v) {
    ensure(10);
    while ((v & ~0x7fL) != 0) {
      buf[len++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    buf[len++] = (byte) v;
  }

  private void fixed(long v) {
    ensure(8);
    for (int i = 7; i >= 0; i--) {
      buf[len++] = (byte) (v >>> (i * 8));
    }
  }
}
