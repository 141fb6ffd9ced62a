package dev.sluice.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.KV;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerdeAllowlistTest {
  private static final String EVIL = Evil.class.getName();

  @TempDir Path dir;

  @Test
  void aFreshSerdeRefusesAClassItDidNotWriteWithoutLoadingIt() throws Exception {
    Path file = dir.resolve("evil.spill");
    try (SpillOutput out = new Serde(Map.of(), Set.of()).openWrite(file)) {
      out.write(KV.of("k", new Evil("boom"))); // nested, so the check is not only at the top level
    }
    int initialized = EvilCounter.INITIALIZED.get();
    int constructed = EvilCounter.CONSTRUCTED.get();

    // A loader that would define a fresh, uninitialized copy of Evil if anyone asked for it.
    IsolatingLoader loader = new IsolatingLoader(getClass().getClassLoader());
    Serde fresh = withContextLoader(loader, () -> new Serde(Map.of(), Set.of()));
    try (SpillInput in = fresh.openRead(file)) {
      assertThat(in.hasNext()).isTrue();
      assertThatThrownBy(in::next)
          .isInstanceOf(CodecException.class)
          .hasMessage("spill file " + file + " holds a value of class " + EVIL
              + ", which this job did not write and is not registered; register it with"
              + " Pipeline.registerType(" + EVIL + ".class)");
    }
    assertThat(loader.requested).doesNotContain(EVIL);
    assertThat(EvilCounter.INITIALIZED.get()).isEqualTo(initialized);
    assertThat(EvilCounter.CONSTRUCTED.get()).isEqualTo(constructed);

    // Control: the same setup with the class allowed does load, initialize and build the fresh
    // copy, so the counters above would have seen it.
    Class<?> isolatedEvil = loader.loadClass(EVIL);
    Serde allowing = withContextLoader(loader, () -> new Serde(Map.of(), Set.of(isolatedEvil)));
    try (SpillInput in = allowing.openRead(file)) {
      Object value = ((KV<?, ?>) in.next()).value();
      assertThat(value.getClass()).isSameAs(isolatedEvil).isNotSameAs(Evil.class);
    }
    assertThat(EvilCounter.INITIALIZED.get()).isEqualTo(initialized + 1);
  }

  @Test
  void theWritingSerdeAndRegisteredTypesMayReadBack() throws Exception {
    Path file = dir.resolve("ok.spill");
    Serde writer = new Serde(Map.of(), Set.of());
    try (SpillOutput out = writer.openWrite(file)) {
      out.write(new Evil("a"));
      out.write(List.of((Object) new Evil[] {new Evil("b")}));
    }
    try (SpillInput in = writer.openRead(file)) {
      assertThat(((Evil) in.next()).payload).isEqualTo("a");
      assertThat(((Evil[]) ((List<?>) in.next()).get(0))[0].payload).isEqualTo("b");
    }
    Serde registered = new Serde(Map.of(), Set.of(Evil.class));
    try (SpillInput in = registered.openRead(file)) {
      assertThat(((Evil) in.next()).payload).isEqualTo("a");
      assertThat(in.next()).isInstanceOf(List.class); // Evil[] is allowed because Evil is
    }
  }

  @Test
  void bytesFromElsewhereAreCheckedToo() {
    byte[] bytes = new Serde(Map.of(), Set.of()).toBytes(new Evil[] {new Evil("x")});
    assertThatThrownBy(() -> new Serde(Map.of(), Set.of()).fromBytes(bytes))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("holds a value of class [L" + EVIL + ";")
        .hasMessageEndingWith("Pipeline.registerType(" + EVIL + ".class)");
  }

  private static <T> T withContextLoader(ClassLoader loader, Callable<T> body) throws Exception {
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    try {
      return body.call();
    } finally {
      t.setContextClassLoader(previous);
    }
  }

  /** Defines its own copy of {@link Evil}; delegates everything else. Records every request. */
  static final class IsolatingLoader extends ClassLoader {
    final Set<String> requested = ConcurrentHashMap.newKeySet();

    IsolatingLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      requested.add(name);
      if (!name.equals(EVIL)) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            byte[] bytes = in.readAllBytes();
            c = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return c;
      }
    }
  }
}
