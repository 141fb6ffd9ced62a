package dev.sluice.core.codec;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sluice.api.Joined;
import dev.sluice.api.KV;

/**
 * Serializers for the engine's own pair records. Every shuffled and spilled record is a {@link KV},
 * and Kryo's generic record serializer goes through reflection for each one (canonical constructor,
 * accessor methods); these write the two components directly.
 */
final class PairSerializers {
  private PairSerializers() {}

  static final class KvSerializer extends Serializer<KV<?, ?>> {
    KvSerializer() {
      setImmutable(true);
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
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, Joined<?, ?> j) {
      kryo.writeClassAndObject(output, j.left());
      kryo.writeClassAndObject(output, j.right());
    }

    @Override
    public Joined<?, ?> read(Kryo kryo, Input input, Class<? extends Joined<?, ?>> type) {
      Object left = kryo.readClassAndObject(input);
      return new Joined<>(left, kryo.readClassAndObject(input));
    }
  }
}
