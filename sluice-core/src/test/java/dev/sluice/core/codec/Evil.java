package dev.sluice.core.codec;

/** A class whose initializer and constructor leave a trace, for the allowlist test. */
public class Evil {
  static {
    EvilCounter.INITIALIZED.incrementAndGet();
  }

  final String payload;

  public Evil(String payload) {
    EvilCounter.CONSTRUCTED.incrementAndGet();
    this.payload = payload;
  }
}
