package dev.sluice.api.codec;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Serializes values of one type for spill files and, later, checkpoints and the network. Register
 * one with {@link dev.sluice.api.Pipeline#registerCodec}; types without one use the default
 * serializer. Implementations must be stateless and thread-safe.
 */
public interface Codec<T> extends java.io.Serializable {
  void encode(T value, DataOutput out) throws IOException;

  T decode(DataInput in) throws IOException;
}
