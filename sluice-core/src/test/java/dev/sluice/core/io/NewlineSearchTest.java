package dev.sluice.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NewlineSearchTest {
  @Test
  void wordAtATimeSearchAgreesWithAPlainLoop() {
    Random random = new Random(7);
    byte[] interesting = {'\n', 0x0B, 0x09, 0x00, (byte) 0x8A, (byte) 0xFF, 'a', 0x0A ^ 0x01};
    for (int round = 0; round < 20_000; round++) {
      byte[] b = new byte[random.nextInt(40)];
      for (int i = 0; i < b.length; i++) {
        b[i] = random.nextInt(4) == 0 ? interesting[random.nextInt(interesting.length)]
            : (byte) random.nextInt(256);
      }
      int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
      int to = from + random.nextInt(b.length - from + 1);
      int expected = -1;
      for (int i = from; i < to; i++) {
        if (b[i] == '\n') {
          expected = i;
          break;
        }
      }
      assertThat(LineSplitReader.indexOfNewline(b, from, to)).as("round %d", round).isEqualTo(expected);
    }
  }
}
