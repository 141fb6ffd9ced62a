package dev.sluice.examples.clickstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link DwellFunction.SessionCodec} gives back what it was given, and refuses a corrupt count. */
class SessionCodecTest {
  private final DwellFunction.SessionCodec codec = new DwellFunction.SessionCodec();

  @Test
  void randomSessionsRoundTrip() throws IOException {
    Random rnd = new Random(7);
    for (int round = 0; round < 200; round++) {
      int n = rnd.nextInt(6);
      String[] pages = new String[n];
      String[] actions = new String[n];
      long[] times = new long[n];
      for (int i = 0; i < n; i++) {
        pages[i] = rnd.nextBoolean() ? "/product/" + rnd.nextInt(1000) : "/caf\u00e9/\u20ac" + i;
        actions[i] = "view" + rnd.nextInt(3);
        times[i] = rnd.nextLong();
      }
      DwellFunction.Session s = new DwellFunction.Session(pages, actions, times, rnd.nextLong(), rnd.nextLong());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      codec.encode(s, new DataOutputStream(bytes));
      DwellFunction.Session back = codec.decode(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      assertThat(back.pages()).containsExactly(pages);
      assertThat(back.actions()).containsExactly(actions);
      assertThat(back.times()).containsExactly(times);
      assertThat(back.maxTime()).isEqualTo(s.maxTime());
      assertThat(back.timer()).isEqualTo(s.timer());
    }
  }

  @Test
  void aCorruptCountIsRefused() {
    byte[] bytes = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe};
    assertThatThrownBy(() -> codec.decode(new DataInputStream(new ByteArrayInputStream(bytes))))
        .isInstanceOf(IOException.class).hasMessageContaining("a session of -2 clicks");
  }
}
