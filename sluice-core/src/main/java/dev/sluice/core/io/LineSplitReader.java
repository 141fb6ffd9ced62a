package dev.sluice.core.io;

import dev.sluice.api.function.Collector;
import dev.sluice.api.source.SourceContext;
import dev.sluice.api.source.SplitReader;
import dev.sluice.io.LineParser;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;

/**
 * Reads the lines of one {@link FileSplit} and hands each to a {@link LineParser} as a byte range of
 * its buffer: no String, no copy per line.
 *
 * <p>Design note. The split [start, end) owns every line that starts inside it; a line starts at
 * offset p when p == 0 or byte p-1 is '\n' (the Hadoop rule). A split with start > 0 therefore
 * begins reading at start-1 and discards everything up to and including the first '\n': if byte
 * start-1 is '\n' that discards just that byte and the line at start is ours; otherwise the line
 * running through start belongs to the previous split. The reader stops at the first line starting
 * at or after end, and reads past end to finish its last line. Terminators are '\n' and "\r\n";
 * a lone '\r' is data. A leading UTF-8 byte-order mark is skipped.
 *
 * <p>The buffer starts at 256 KiB (smaller for small splits) and doubles when a line does not fit,
 * up to {@link #MAX_LINE}.
 * Line numbers are only known when the split starts at offset 0; other splits report byte offsets
 * only, never a guessed line number. Gzip files are read whole through {@link GZIPInputStream};
 * their offsets are uncompressed bytes.
 *
 * <p>Used by one task thread; not thread-safe.
 */
public final class LineSplitReader<T> implements SplitReader<T> {
  static final int BUFFER_SIZE = 256 * 1024;
  static final int LINES_PER_READ = 4096;
  /** The longest line: a "text" file without line breaks must fail clearly, not exhaust the heap. */
  static final int MAX_LINE = 256 << 20;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

  private final FileSplit split;
  private final LineParser<T> parser;
  private final SourceContext context;
  private final ReadableByteChannel channel;
  private final CountingInputStream compressed;
  private final long end;
  private final boolean lineNumbersKnown;
  private final Forwarder<T> forwarder = new Forwarder<>();

  private byte[] buf;
  private ByteBuffer window;
  private int pos;
  private int scan;
  private int limit;
  private long bufBase;
  private boolean eof;
  private boolean done;
  private boolean skipPartialLine;
  private boolean skipHeader;
  private boolean checkBom;
  private long lineNumber;
  private long lastLineOffset = -1;
  private long lastLineNumber;

  public LineSplitReader(FileSplit split, LineParser<T> parser, boolean hasHeader,
      SourceContext context) throws IOException {
    this.split = split;
    this.parser = parser;
    this.context = context;
    Path path = Path.of(split.path());
    boolean fromStart = split.start() == 0 || split.whole();
    if (split.gzip()) {
      compressed = new CountingInputStream(java.nio.file.Files.newInputStream(path));
      try {
        channel = Channels.newChannel(new GZIPInputStream(compressed, 64 * 1024));
      } catch (IOException e) {
        compressed.close();
        throw new IOException("cannot read file " + path + " as gzip (" + e.getMessage()
            + "); is it really gzip-compressed? Files ending in .gz are always decompressed", e);
      }
      end = Long.MAX_VALUE;
      bufBase = 0;
      buf = new byte[BUFFER_SIZE];
    } else {
      compressed = null;
      FileChannel fc = FileChannel.open(path, StandardOpenOption.READ);
      channel = fc;
      // Also a whole-file split stops at the length planned: a file that grows while the job runs
      // gives every attempt the same lines.
      end = split.end();
      bufBase = fromStart ? 0 : split.start() - 1;
      try {
        fc.position(bufBase);
      } catch (IOException | RuntimeException e) {
        fc.close();
        throw e;
      }
      long remaining = split.fileLength() - bufBase;
      buf = new byte[(int) Math.max(1024, Math.min(BUFFER_SIZE, remaining + 1))];
    }
    window = ByteBuffer.wrap(buf);
    skipPartialLine = !fromStart;
    skipHeader = hasHeader && fromStart;
    checkBom = fromStart;
    lineNumbersKnown = fromStart;
  }

  @Override
  public boolean read(Collector<? super T> out) throws IOException {
    if (done) {
      return false;
    }
    forwarder.target = out;
    int lines = 0;
    while (lines < LINES_PER_READ) {
      if (!skipPartialLine && bufBase + pos >= end) {
        return finish();
      }
      int nl = indexOfNewline(buf, scan, limit);
      if (nl < 0) {
        scan = limit;
        if (eof) {
          if (pos < limit && !skipPartialLine) {
            line(pos, limit);
          }
          pos = limit;
          return finish();
        }
        if (skipPartialLine) {
          pos = limit; // the whole buffer belongs to the previous split's last line
        }
        fill();
        continue;
      }
      scan = nl + 1;
      if (skipPartialLine) {
        skipPartialLine = false;
      } else {
        line(pos, nl);
        lines++;
      }
      pos = nl + 1;
    }
    return true;
  }

  private boolean finish() {
    done = true;
    forwarder.target = null;
    return false;
  }

  /**
   * Finds the next '\n' eight bytes at a time: XOR with a word of '\n's turns matches into zero
   * bytes, and {@code (x - 0x01..) & ~x & 0x80..} flags zero bytes; its lowest flag is exact.
   */
  static int indexOfNewline(byte[] b, int from, int to) {
    int i = from;
    for (int last = to - 8; i <= last; i += 8) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void line(int start, int stop) {
    byte[] b = buf;
    if (stop > start && b[stop - 1] == '\r') {
      stop--;
    }
    lineNumber++;
    if (skipHeader) {
      skipHeader = false;
      return;
    }
    lastLineOffset = bufBase + start;
    lastLineNumber = lineNumber;
    try {
      parser.parse(b, start, stop, forwarder);
    } catch (DownstreamFailure f) {
      throw f.rethrow();
    } catch (Exception e) {
      context.badRecord(new String(b, start, stop - start, StandardCharsets.UTF_8), position(),
          reason(e));
    }
  }

  static String reason(Throwable e) {
    String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
        ? j.getOriginalMessage() : e.getMessage();
    return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
  }

  /** Moves the unread tail to the front of the buffer, grows it if a line fills it, and reads. */
  private void fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      bufBase += pos;
      scan -= pos;
      limit -= pos;
      pos = 0;
    }
    if (limit == buf.length) {
      if (buf.length >= MAX_LINE) {
        throw new IOException("line longer than " + (MAX_LINE >> 20) + " MiB at " + where(bufBase)
            + "; is this a line-oriented text file?");
      }
      byte[] bigger = new byte[(int) Math.min(MAX_LINE, 2L * buf.length)];
      System.arraycopy(buf, 0, bigger, 0, limit);
      buf = bigger;
      window = ByteBuffer.wrap(buf);
    }
    window.limit(buf.length).position(limit);
    int n;
    try {
      n = channel.read(window);
      while (n == 0) {
        n = channel.read(window);
      }
    } catch (IOException e) {
      throw new IOException("cannot read " + where(bufBase + limit) + ": " + e, e);
    }
    if (n < 0) {
      eof = true;
    } else {
      limit += n;
    }
    if (checkBom && bufBase == 0 && limit >= 3) {
      checkBom = false;
      if ((buf[0] & 0xFF) == 0xEF && (buf[1] & 0xFF) == 0xBB && (buf[2] & 0xFF) == 0xBF) {
        pos = 3;
        scan = 3;
      }
    }
  }

  @Override
  public String position() {
    if (lastLineOffset < 0) {
      return where(split.whole() ? 0 : split.start()) + " (before the first record)";
    }
    String offset = (split.gzip() ? "uncompressed byte " : "byte ") + lastLineOffset;
    return lineNumbersKnown
        ? "file " + split.path() + ", line " + lastLineNumber + " (" + offset + ")"
        : "file " + split.path() + ", " + offset;
  }

  private String where(long offset) {
    return "file " + split.path() + ", " + (split.gzip() ? "uncompressed byte " : "byte ") + offset;
  }

  @Override
  public long bytesRead() {
    if (compressed != null) {
      return compressed.count;
    }
    long start = split.whole() ? 0 : split.start();
    long consumed = done ? split.end() - start : bufBase + pos - start;
    return Math.max(0, Math.min(consumed, split.end() - start));
  }

  @Override
  public void close() throws IOException {
    forwarder.target = null;
    channel.close();
  }

  /**
   * Passes records on and marks failures of downstream functions, so that they are not mistaken
   * for bad input.
   */
  private static final class Forwarder<T> implements Collector<T> {
    Collector<? super T> target;

    @Override
    public void collect(T record) {
      try {
        target.collect(record);
      } catch (RuntimeException | Error e) {
        throw new DownstreamFailure(e);
      }
    }
  }

  private static final class DownstreamFailure extends RuntimeException {
    DownstreamFailure(Throwable cause) {
      super(cause.toString(), cause, false, false);
    }

    RuntimeException rethrow() {
      Throwable c = getCause();
      if (c instanceof Error e) {
        throw e;
      }
      return (RuntimeException) c;
    }
  }

  private static final class CountingInputStream extends FilterInputStream {
    volatile long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
