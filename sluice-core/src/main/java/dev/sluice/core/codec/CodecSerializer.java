package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sluice.api.codec.Codec;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UTFDataFormatException;

/**
 * Runs a user {@link Codec} inside Kryo. The codec sees {@link DataOutput}/{@link DataInput}
 * (big-endian, as their contracts say) backed directly by Kryo's buffers; the two adapters are
 * reused, which is safe because a serializer belongs to one Kryo and a codec cannot re-enter Kryo.
 */
final class CodecSerializer<T> extends Serializer<T> {
  private final Codec<T> codec;
  private final Class<T> type;
  private final KryoDataOutput out = new KryoDataOutput();
  private final KryoDataInput in = new KryoDataInput();

  CodecSerializer(Class<T> type, Codec<T> codec) {
    this.type = type;
    this.codec = codec;
  }

  @Override
  public void write(Kryo kryo, Output output, T value) {
    out.target = output;
    try {
      codec.encode(value, out);
    } catch (IOException e) {
      throw new CodecException("codec " + codec.getClass().getName() + " failed to encode a "
          + type.getName() + ": " + e, e);
    } finally {
      out.target = null;
    }
  }

  @Override
  public T read(Kryo kryo, Input input, Class<? extends T> cls) {
    in.source = input;
    try {
      return codec.decode(in);
    } catch (IOException e) {
      throw new CodecException("codec " + codec.getClass().getName() + " failed to decode a "
          + type.getName() + ": " + e, e);
    } finally {
      in.source = null;
    }
  }

  static final class KryoDataOutput implements DataOutput {
    Output target;
    /** For {@link #writeUTF}'s ASCII strings, copied out in one go. */
    private byte[] scratch = new byte[64];

    @Override public void write(int b) { target.writeByte(b); }
    @Override public void write(byte[] b) { target.writeBytes(b); }
    @Override public void write(byte[] b, int off, int len) { target.writeBytes(b, off, len); }
    @Override public void writeBoolean(boolean v) { target.writeBoolean(v); }
    @Override public void writeByte(int v) { target.writeByte(v); }
    @Override public void writeShort(int v) { target.writeShort(Short.reverseBytes((short) v)); }
    @Override public void writeChar(int v) { target.writeShort(Short.reverseBytes((short) v)); }
    @Override public void writeInt(int v) { target.writeInt(Integer.reverseBytes(v)); }
    @Override public void writeLong(long v) { target.writeLong(Long.reverseBytes(v)); }
    @Override public void writeFloat(float v) { writeInt(Float.floatToIntBits(v)); }
    @Override public void writeDouble(double v) { writeLong(Double.doubleToLongBits(v)); }

    @Override
    public void writeBytes(String s) {
      for (int i = 0, n = s.length(); i < n; i++) {
        target.writeByte(s.charAt(i));
      }
    }

    @Override
    public void writeChars(String s) {
      for (int i = 0, n = s.length(); i < n; i++) {
        writeChar(s.charAt(i));
      }
    }

    /** Modified UTF-8 with a two-byte length, exactly as {@link java.io.DataOutputStream}. */
    @Override
    public void writeUTF(String s) throws IOException {
      int n = s.length();
      long len = 0;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        len += c >= 0x0001 && c <= 0x007F ? 1 : c > 0x07FF ? 3 : 2;
      }
      if (len > 65535) {
        throw new UTFDataFormatException("encoded string too long: " + len + " bytes");
      }
      writeShort((int) len);
      if (len == n) {
        // ASCII without NUL (the common case): the modified UTF-8 bytes are the chars' low bytes.
        if (scratch.length < n) {
          scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        getLowBytes(s, n, scratch);
        target.writeBytes(scratch, 0, n);
        return;
      }
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x0001 && c <= 0x007F) {
          target.writeByte(c);
        } else if (c > 0x07FF) {
          target.writeByte(0xE0 | ((c >> 12) & 0x0F));
          target.writeByte(0x80 | ((c >> 6) & 0x3F));
          target.writeByte(0x80 | (c & 0x3F));
        } else {
          target.writeByte(0xC0 | ((c >> 6) & 0x1F));
          target.writeByte(0x80 | (c & 0x3F));
        }
      }
    }
  }

  @SuppressWarnings("deprecation") // exactly the low byte of each char is what is wanted here
  private static void getLowBytes(String s, int n, byte[] into) {
    s.getBytes(0, n, into, 0);
  }

  static final class KryoDataInput implements DataInput {
    Input source;

    @Override public void readFully(byte[] b) { source.readBytes(b); }
    @Override public void readFully(byte[] b, int off, int len) { source.readBytes(b, off, len); }
    @Override public int skipBytes(int n) { source.skip(n); return n; }
    @Override public boolean readBoolean() { return source.readBoolean(); }
    @Override public byte readByte() { return source.readByte(); }
    @Override public int readUnsignedByte() { return source.readByteUnsigned(); }
    @Override public short readShort() { return Short.reverseBytes(source.readShort()); }
    @Override public int readUnsignedShort() { return readShort() & 0xFFFF; }
    @Override public char readChar() { return (char) readShort(); }
    @Override public int readInt() { return Integer.reverseBytes(source.readInt()); }
    @Override public long readLong() { return Long.reverseBytes(source.readLong()); }
    @Override public float readFloat() { return Float.intBitsToFloat(readInt()); }
    @Override public double readDouble() { return Double.longBitsToDouble(readLong()); }

    @Override
    public String readLine() {
      StringBuilder sb = new StringBuilder();
      while (!source.end()) {
        int c = source.readByteUnsigned();
        if (c == '\n') {
          break;
        }
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }

    @Override
    public String readUTF() throws IOException {
      return DataInputStream.readUTF(this);
    }
  }
}
