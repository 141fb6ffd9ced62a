package dev.sluice.core.codec;

import dev.sluice.api.codec.Codec;
import dev.sluice.api.plan.LogicalPlan;
import java.io.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** TEMPORARY stand-in (Java serialization) until the Kryo codec layer lands. */
public final class Serde {
  public Serde(Map<Class<?>, Codec<?>> userCodecs, Set<Class<?>> allowedTypes) {}

  public static Serde forPlan(LogicalPlan plan) {
    return new Serde(plan.codecs(), plan.allowedTypes());
  }

  public SpillOutput openWrite(Path file) throws IOException {
    ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 65536));
    return new SpillOutput() {
      long n;
      @Override public void write(Object record) throws IOException { out.writeBoolean(true); out.writeUnshared(record); n += 16; if ((n & 4095) == 0) out.reset(); }
      @Override public long bytesWritten() { return n; }
      @Override public void close() throws IOException { out.writeBoolean(false); out.close(); }
    };
  }

  public SpillInput openRead(Path file) throws IOException {
    ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(Files.newInputStream(file), 65536));
    return new SpillInput() {
      Boolean more;
      @Override public boolean hasNext() throws IOException { if (more == null) more = in.readBoolean(); return more; }
      @Override public Object next() throws IOException {
        if (!hasNext()) throw new EOFException();
        more = null;
        try { return in.readUnshared(); } catch (ClassNotFoundException e) { throw new IOException(e); }
      }
      @Override public void close() throws IOException { in.close(); }
    };
  }
}
