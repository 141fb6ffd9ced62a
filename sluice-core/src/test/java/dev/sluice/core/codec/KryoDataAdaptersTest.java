package dev.sluice.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@link java.io.DataOutput}/{@link java.io.DataInput} adapters a user codec sees write exactly
 * the bytes {@link DataOutputStream} writes (their contract), checked against it on random values.
 */
class KryoDataAdaptersTest {
  private static final char[] ALPHABET = {'a', 'Z', '/', '0', ' ', '\u0000', '\u007f', '\u0080', '\u00e9', '\u07ff',
      '\u0800', '\u20ac', '\uffff', '\ud83d', '\ude00'};

  @Test
  void writeUtfWritesModifiedUtf8LikeDataOutputStreamAndReadsBack() throws IOException {
    Random rnd = new Random(20261130);
    for (int round = 0; round < 2_000; round++) {
      String s = randomString(rnd);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      new DataOutputStream(expected).writeUTF(s);

      Output out = new Output(16, -1);
      CodecSerializer.KryoDataOutput adapter = new CodecSerializer.KryoDataOutput();
      adapter.target = out;
      adapter.writeUTF(s);
      adapter.writeLong(round); // what follows a string lands right after it
      assertThat(java.util.Arrays.copyOf(out.toBytes(), expected.size())).as("bytes of %s", s)
          .isEqualTo(expected.toByteArray());

      CodecSerializer.KryoDataInput in = new CodecSerializer.KryoDataInput();
      in.source = new Input(out.toBytes());
      assertThat(in.readUTF()).isEqualTo(s);
      assertThat(in.readLong()).isEqualTo(round);
    }
  }

  @Test
  void writeUtfRefusesAStringOfMoreThan65535EncodedBytes() {
    CodecSerializer.KryoDataOutput adapter = new CodecSerializer.KryoDataOutput();
    adapter.target = new Output(16, -1);
    assertThatThrownBy(() -> adapter.writeUTF("x".repeat(65_536))).isInstanceOf(UTFDataFormatException.class)
        .hasMessageContaining("65536 bytes");
  }

  private static String randomString(Random rnd) {
    int kind = rnd.nextInt(4);
    int n = kind == 0 ? rnd.nextInt(4) : kind == 3 ? 60 + rnd.nextInt(200) : rnd.nextInt(40);
    StringBuilder sb = new StringBuilder(n);
    boolean ascii = rnd.nextBoolean();
    for (int i = 0; i < n; i++) {
      sb.append(ascii ? (char) (1 + rnd.nextInt(127)) : ALPHABET[rnd.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }
}
