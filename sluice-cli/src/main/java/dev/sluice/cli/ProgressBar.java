package dev.sluice.cli;

import dev.sluice.api.RunOptions;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * A one-line progress bar (bytes read of total) redrawn in place with {@code \r}, at most ten times a
 * second. Thread-safe: the runtime may report from any of its threads. {@link #clear} erases it.
 */
final class ProgressBar implements Consumer<RunOptions.Progress> {
  private static final long MIN_REDRAW_NANOS = 100_000_000L;
  private static final int WIDTH = 30;
  private final PrintStream err;
  private long lastDraw = System.nanoTime() - MIN_REDRAW_NANOS;
  private int lastLength;
  private boolean cleared;

  ProgressBar(PrintStream err) {
    this.err = err;
  }

  @Override
  public synchronized void accept(RunOptions.Progress p) {
    long now = System.nanoTime();
    if (cleared || now - lastDraw < MIN_REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    String line;
    if (p.totalBytes() > 0) {
      double f = Math.min(1.0, Math.max(0.0, (double) p.bytesRead() / p.totalBytes()));
      int filled = (int) (f * WIDTH);
      line = "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
          + String.format(java.util.Locale.ROOT, "%3d%% %s / %s", (int) (f * 100), mb(p.bytesRead()), mb(p.totalBytes()));
    } else {
      line = "read " + mb(p.bytesRead());
    }
    int pad = Math.max(0, lastLength - line.length());
    err.print("\r" + line + " ".repeat(pad));
    err.flush();
    lastLength = line.length();
  }

  /** Erases the bar; later reports are ignored. */
  synchronized void clear() {
    if (!cleared && lastLength > 0) {
      err.print("\r" + " ".repeat(lastLength) + "\r");
      err.flush();
    }
    cleared = true;
  }

  private static String mb(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
  }
}
