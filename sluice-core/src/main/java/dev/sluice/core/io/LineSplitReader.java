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
 * Line numbers are only known when the split starts at offset 0 (or is the rest of such a split,
 * which carries its first line number, see {@link FileSplit#firstLine}); other splits report byte
 * offsets only, never a guessed line number. Gzip files are read whole through {@link
 * GZIPInputStream}; their offsets are uncompressed bytes.
 *
 * <p>Positions for checkpoints ({@link #remainingSplit}). Between {@code read} calls the reader
 * always stands at a line start: {@code bufBase + pos} is the offset of the first line not handed to
 * the parser yet (the lines before it, and every record the parser made of them, have been
 * emitted). The rest of a plain file is therefore the range from that offset to the split's end,
 * which by the Hadoop rule above owns exactly the lines not read yet (byte {@code start - 1} is the
 * '\n' that ended the last line read). Nothing is tracked per line for this; the header and a
 * leading byte-order mark are behind that offset, so the rest neither skips a header nor checks for
 * a mark. A gzip file cannot be sought: its rest is the whole file with the number of lines read so
 * far ({@link FileSplit#skipLines}), which a restored reader decompresses and passes over (counting
 * them, so line numbers stay right) before it parses again.
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
  /** Lines consumed before this reader started (restored gzip: after skipping); 0 otherwise. */
  private final long linesAtStart;
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
  /** Gzip restore: lines still to pass over unparsed (while {@code skipPartialLine} is set). */
  private long toSkip;
  /**
   * Where the most recently parsed line starts, relative to {@code bufBase} (moved along when the
   * buffer is compacted), or {@link #NO_LINE}; kept per line because downstream code may ask for
   * {@link #position()} while a record is being emitted.
   */
  private long lastLineStart = NO_LINE;
  private long lastLineNumber;
  private static final long NO_LINE = Long.MIN_VALUE;

  public LineSplitReader(FileSplit split, LineParser<T> parser, boolean hasHeader,
      SourceContext context) throws IOException {
    this.split = split;
    this.parser = parser;
    this.context = context;
    Path path = Path.of(split.path());
    boolean fromStart = split.start() == 0 || split.whole();
    lineNumbersKnown = split.firstLine() > 0;
    if (split.exhausted()) {
      // the rest of a split read to its end: nothing to open, nothing to emit
      compressed = null;
      channel = null;
      end = split.end();
      bufBase = split.start();
      buf = new byte[0];
      window = ByteBuffer.wrap(buf);
      done = true;
      linesAtStart = 0;
      return;
    }
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
    toSkip = split.gzip() && split.whole() ? split.skipLines() : 0;
    skipPartialLine = !fromStart || toSkip > 0;
    skipHeader = hasHeader && fromStart && toSkip == 0;
    checkBom = fromStart;
    lineNumber = lineNumbersKnown && toSkip == 0 ? split.firstLine() - 1 : 0;
    linesAtStart = lineNumber;
  }

  @Override
  public boolean read(Collector<? super T> out) throws IOException {
    if (done) {
      return false;
    }
    forwarder.target = out;
    int lines = 0;
    while (lines < LINES_PER_READ) {
      if (!skipPartialLine && !skipHeader) {
        lines += parseLines(LINES_PER_READ - lines);
        if (lines >= LINES_PER_READ) {
          break;
        }
      }
      if (!skipPartialLine && bufBase + pos >= end) {
        return finish();
      }
      if (!skipPartialLine && bufBase + pos >= batchLimit) {
        forwarder.target = null;
        return true; // micro-batch: the rest belongs to a later batch
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
        if (toSkip > 0) { // restored gzip: a line read before the checkpoint
          lineNumber++;
          skipPartialLine = --toSkip > 0;
        } else {
          skipPartialLine = false;
        }
      } else {
        line(pos, nl);
        lines++;
      }
      pos = nl + 1;
    }
    return true;
  }

  /**
   * The hot loop: parses up to {@code max} whole lines that are in the buffer and start before the
   * split's end and the micro-batch limit, keeping the cursor in locals (the fields are written back
   * once per call, and before anything that may read them: a bad record's message, a downstream
   * failure). Returns the number of lines parsed; {@link #read} handles everything else (refills,
   * the end of the split, a partial last line) one line at a time.
   */
  private int parseLines(int max) {
    byte[] b = buf;
    int lim = limit;
    long stopAt = Math.min(end, batchLimit) - bufBase;
    int stopPos = (int) Math.min(lim, stopAt); // a line starting before this is ours
    int p = pos;
    int s = scan;
    long ln = lineNumber;
    int n = 0;
    while (n < max && p < stopPos) {
      int nl = indexOfNewline(b, s, lim);
      if (nl < 0) {
        s = lim;
        break;
      }
      int stop = nl > p && b[nl - 1] == '\r' ? nl - 1 : nl;
      ln++;
      lastLineStart = p;
      lastLineNumber = ln;
      try {
        parser.parse(b, p, stop, forwarder);
      } catch (DownstreamFailure f) {
        sync(p, p, ln);
        throw f.rethrow();
      } catch (Exception e) {
        sync(p, p, ln);
        context.badRecord(new String(b, p, stop - p, StandardCharsets.UTF_8), position(), reason(e));
      }
      n++;
      p = nl + 1;
      s = p;
    }
    sync(p, s, ln);
    return n;
  }

  private void sync(int p, int s, long ln) {
    pos = p;
    scan = s;
    lineNumber = ln;
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
    lastLineStart = start;
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
    String msg = e.getMessage();
    if (e.getClass().getName().startsWith("com.fasterxml.jackson.")) {
      // Jackson's message appends the source location, which the position already names. Checked
      // by name so that plain-text jobs never load Jackson.
      msg = JsonLinesFormat.originalMessage(e);
    }
    return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
  }

  /** Moves the unread tail to the front of the buffer, grows it if a line fills it, and reads. */
  private void fill() throws IOException {
    if (pos > 0) {
      if (lastLineStart != NO_LINE) {
        lastLineStart -= pos;
      }
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
    if (lastLineStart == NO_LINE) {
      return where(split.whole() ? 0 : split.start()) + " (before the first record)";
    }
    String offset = (split.gzip() ? "uncompressed byte " : "byte ") + (bufBase + lastLineStart);
    return lineNumbersKnown
        ? "file " + split.path() + ", line " + lastLineNumber + " (" + offset + ")"
        : "file " + split.path() + ", " + offset;
  }

  private String where(long offset) {
    return "file " + split.path() + ", " + (split.gzip() ? "uncompressed byte " : "byte ") + offset;
  }

  /**
   * What is left: the range from the first line not read yet to the split's end (its line number
   * carried if known); for gzip the whole file with the lines read so far to pass over; an
   * {@linkplain FileSplit#exhausted exhausted} split once the end was reached; the split itself if
   * no line has been consumed yet. Costs nothing on the read path (see the class comment).
   */
  /** Micro-batch limit: no line starting at or after this byte offset is read. */
  private long batchLimit = Long.MAX_VALUE;

  /**
   * Micro-batch mode: the byte offset of the first line not read yet (the split's start while its
   * partial first line is still to be passed over, its end once done). Plain files only.
   */
  @Override
  public long offset() {
    if (split.gzip()) {
      throw new UnsupportedOperationException("gzip file " + split.path() + " cannot be read in micro-batch mode"
          + " (its offsets are not byte positions of the file); decompress it or run in streaming mode");
    }
    if (done) {
      return split.end();
    }
    return skipPartialLine ? split.start() : Math.min(bufBase + pos, split.end());
  }

  /** The split's end: a file split is available whole. */
  @Override
  public long availableEnd() {
    offset();
    return split.end();
  }

  @Override
  public void readUntil(long limit) {
    batchLimit = limit;
  }

  @Override
  public FileSplit remainingSplit() {
    if (done) {
      return split.exhausted() ? split : split.rest();
    }
    if (compressed != null) {
      if (lineNumber <= split.skipLines()) {
        return split; // no line read past those passed over (still passing over them, maybe)
      }
      return new FileSplit(split.index(), split.path(), split.start(), split.end(), split.fileLength(), true,
          1, lineNumber);
    }
    if (lineNumber == linesAtStart) {
      return split; // no line consumed yet: the partial first line is passed over again
    }
    long next = Math.min(bufBase + pos, split.end());
    return new FileSplit(split.index(), split.path(), next, split.end(), split.fileLength(), false,
        lineNumbersKnown ? lineNumber + 1 : 0, 0);
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
    if (channel != null) {
      channel.close();
    }
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
