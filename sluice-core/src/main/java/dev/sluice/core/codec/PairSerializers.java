package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;

/**
 * {@link KV} and {@link Joined} are on every shuffle and spill path; Kryo's generic record
 * serializer reaches their components and canonical constructor by reflection, these do not.
 */
final class PairSerializers {
  private PairSerializers() {}

  static final class KVSerializer extends Serializer<KV<?, ?>> {
    KVSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, KV<?, ?> kv) {
      kryo.writeClassAndObject(output, kv.key());
      kryo.writeClassAndObject(output, kv.value());
    }

    @Override
    public KV<?, ?> read(Kryo kryo, Input input, Class<? extends KV<?, ?>> type) {
      Object key = kryo.readClassAndObject(input);
      return new KV<>(key, kryo.readClassAndObject(input));
    }
  }

  static final class JoinedSerializer extends Serializer<Joined<?, ?>> {
    JoinedSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Joined<?, ?> joined) {
      kryo.writeClassAndObject(output, joined.left());
      kryo.writeClassAndObject(output, joined.right());
    }

    @Override
    public Joined<?, ?> read(Kryo kryo, Input input, Class<? extends Joined<?, ?>> type) {
      Object left = kryo.readClassAndObject(input);
      return new Joined<>(left, kryo.readClassAndObject(input));
    }
  }
}
