package dev.sluice.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.KV;
import dev.sluice.api.codec.Codec;
import dev.sluice.api.plan.LogicalPlan;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserCodecTest {
  @TempDir Path dir;

  /** Not a record and without a no-arg constructor, so only the codec knows how to build it. */
  static class Money {
    final long cents;
    final String currency;

    Money(long cents, String currency) {
      this.cents = cents;
      this.currency = currency;
    }

    @Override
    public boolean equals(Object o) {
      return o != null && o.getClass() == getClass() && ((Money) o).cents == cents
          && ((Money) o).currency.equals(currency);
    }

    @Override
    public int hashCode() {
      return Objects.hash(cents, currency);
    }
  }

  static final class TaggedMoney extends Money {
    final String tag;

    TaggedMoney(long cents, String currency, String tag) {
      super(cents, currency);
      this.tag = tag;
    }
  }

  static final class MoneyCodec implements Codec<Money> {
    final AtomicInteger encoded = new AtomicInteger();
    final AtomicInteger decoded = new AtomicInteger();

    @Override
    public void encode(Money value, DataOutput out) throws IOException {
      encoded.incrementAndGet();
      out.writeLong(value.cents);
      out.writeUTF(value.currency);
      out.writeInt(0x01020304); // checked byte by byte on the way back: DataOutput is big-endian
      out.writeDouble(0.5);
    }

    @Override
    public Money decode(DataInput in) throws IOException {
      decoded.incrementAndGet();
      Money m = new Money(in.readLong(), in.readUTF());
      byte[] four = new byte[4];
      in.readFully(four);
      if (four[0] != 1 || four[3] != 4 || in.readDouble() != 0.5) {
        throw new IOException("byte order broken");
      }
      return m;
    }
  }

  @Test
  void aRegisteredCodecSerializesExactlyItsClass() throws IOException {
    MoneyCodec codec = new MoneyCodec();
    Serde serde = new Serde(Map.of(Money.class, codec), Set.of());

    Money eur = new Money(1234, "€UR");
    assertThat(serde.fromBytes(serde.toBytes(eur))).isEqualTo(eur);
    assertThat(codec.encoded).hasValue(1);
    assertThat(codec.decoded).hasValue(1);

    // Nested inside built-ins, through a spill file.
    Path file = dir.resolve("money.spill");
    try (SpillOutput out = serde.openWrite(file)) {
      for (int i = 0; i < 1000; i++) {
        out.write(KV.of("k" + i, List.of(new Money(i, "USD"))));
      }
    }
    try (SpillInput in = serde.openRead(file)) {
      for (int i = 0; i < 1000; i++) {
        assertThat(in.next()).isEqualTo(KV.of("k" + i, List.of(new Money(i, "USD"))));
      }
      assertThat(in.hasNext()).isFalse();
    }
    assertThat(codec.encoded).hasValue(1001);
    assertThat(codec.decoded).hasValue(1001);

    // A subclass is not the registered class: the default serializer handles it, whole.
    TaggedMoney tagged = new TaggedMoney(5, "GBP", "tip");
    TaggedMoney back = (TaggedMoney) serde.fromBytes(serde.toBytes(tagged));
    assertThat(back.tag).isEqualTo("tip");
    assertThat(codec.encoded).hasValue(1001);
  }

  @Test
  void aCodecTypeMayBeReadByAFreshSerdeOfTheSamePlan() {
    MoneyCodec codec = new MoneyCodec();
    LogicalPlan plan = new LogicalPlan("p", List.of(), Map.of(Money.class, codec), Set.of());
    byte[] bytes = Serde.forPlan(plan).toBytes(new Money(1, "CHF"));
    assertThat(Serde.forPlan(plan).fromBytes(bytes)).isEqualTo(new Money(1, "CHF"));
  }

  @Test
  void aCodecCanReplaceTheSerializerOfABuiltInType() {
    Codec<String> upper = new Codec<>() {
      @Override
      public void encode(String value, DataOutput out) throws IOException {
        out.writeUTF(value.toUpperCase());
      }

      @Override
      public String decode(DataInput in) throws IOException {
        return in.readUTF();
      }
    };
    Serde serde = new Serde(Map.of(String.class, upper), Set.of());
    assertThat(serde.fromBytes(serde.toBytes(KV.of("a", "b")))).isEqualTo(KV.of("A", "B"));
  }

  @Test
  void aFailingCodecIsNamed() {
    Codec<Money> broken = new Codec<>() {
      @Override
      public void encode(Money value, DataOutput out) throws IOException {
        throw new IOException("disk of money full");
      }

      @Override
      public Money decode(DataInput in) {
        throw new AssertionError();
      }
    };
    Serde serde = new Serde(Map.of(Money.class, broken), Set.of());
    assertThatThrownBy(() -> serde.toBytes(new Money(1, "X")))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("failed to encode a " + Money.class.getName())
        .hasMessageContaining("disk of money full");
  }
}
