package dev.sluice.examples;

import dev.sluice.api.Aggregation;
import dev.sluice.api.Dataset;
import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.function.Collector;
import dev.sluice.io.LineParser;
import dev.sluice.io.Sources;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The One Billion Row Challenge as a Sluice pipeline: lines {@code <station>;<temperature>}, the
 * min/mean/max temperature per station, printed exactly as the challenge's reference program does.
 *
 * <p>Temperatures are parsed straight from the line's bytes into an {@code int} of tenths; station
 * names are decoded once per distinct name per split (each split reader has its own parser with a
 * small byte-keyed cache, see {@link dev.sluice.io.LineParser.Factory}), so a line
 * costs no String and no decoding. Aggregation is exact integer arithmetic in tenths, combined before
 * the shuffle.
 */
public final class OneBrc {
  private OneBrc() {}

  /**
   * One measurement: a station and a temperature in tenths of a degree. Mutable only so that a
   * reusing parser can refill one object per line (see {@link MeasurementParser#reusing()}).
   */
  public static final class Sample implements Serializable {
    private String station;
    private int tenths;

    public Sample(String station, int tenths) {
      this.station = station;
      this.tenths = tenths;
    }

    public String station() {
      return station;
    }

    public int tenths() {
      return tenths;
    }

    Sample set(String station, int tenths) {
      this.station = station;
      this.tenths = tenths;
      return this;
    }

    @Override
    public String toString() {
      return station + ";" + tenths;
    }
  }

  /** Accumulator and result: min, max and sum in tenths, and the count. Mutable; one task at a time. */
  public static final class Stats implements Serializable {
    public int min = Integer.MAX_VALUE;
    public int max = Integer.MIN_VALUE;
    public long sum;
    public long count;

    public Stats() {}

    /** The reference program's {@code min/mean/max}. */
    @Override
    public String toString() {
      double mean = (Math.round((sum / 10.0) * 10.0) / 10.0) / count;
      return round(min / 10.0) + "/" + round(mean) + "/" + round(max / 10.0);
    }

    private static double round(double value) {
      return Math.round(value * 10.0) / 10.0;
    }
  }

  /** min/max/sum/count in tenths; combinable, so the planner aggregates before the shuffle. */
  public static final class StatsAggregation implements Aggregation<Sample, Stats, Stats> {
    @Override public Stats create() { return new Stats(); }

    @Override
    public Stats accumulate(Stats a, Sample s) {
      int t = s.tenths();
      if (t < a.min) {
        a.min = t;
      }
      if (t > a.max) {
        a.max = t;
      }
      a.sum += t;
      a.count++;
      return a;
    }

    @Override
    public Stats combine(Stats a, Stats b) {
      a.min = Math.min(a.min, b.min);
      a.max = Math.max(a.max, b.max);
      a.sum += b.sum;
      a.count += b.count;
      return a;
    }

    @Override public Stats export(Stats a) { return a; }

    @Override public String name() { return "stats"; }
  }

  /** Builds the pipeline up to the per-station statistics. */
  public static Dataset<KV<String, Stats>> stats(Pipeline p, String input) {
    // The parser refills one Sample per split reader: the only consumer is a combinable
    // aggregation keyed by the (immutable) station name, which keeps no Sample.
    return p.read(Sources.lines(input, MeasurementParser::reusing).reusingRecords())
        .keyBy(Sample::station)
        .aggregate(new StatsAggregation());
  }

  /** Runs the challenge on {@code input} and returns the reference output line (without newline). */
  public static String run(String input, RunOptions options) {
    Pipeline p = Pipeline.create("1brc");
    return format(stats(p, input).collect(options));
  }

  /** {@code {name=min/mean/max, ...}} sorted by Java String order. */
  public static String format(List<KV<String, Stats>> results) {
    List<KV<String, Stats>> sorted = new ArrayList<>(results);
    sorted.sort((a, b) -> a.key().compareTo(b.key()));
    StringBuilder sb = new StringBuilder(sorted.size() * 32).append('{');
    for (int i = 0; i < sorted.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(sorted.get(i).key()).append('=').append(sorted.get(i).value());
    }
    return sb.append('}').toString();
  }

  /**
   * Parses {@code name;-12.3} from bytes. One parser per split reader ({@code Sources.lines(input,
   * MeasurementParser::new)}), so its name cache is a plain field: used by one thread, each distinct
   * name decoded once per split. {@link #reusing()} parsers also refill one Sample per line instead
   * of allocating one.
   *
   * <p>The name is read as whole little-endian words: when the reader's buffer holds 16 bytes from
   * the line start, the first two words are tested for {@code ';'} together and masked without a
   * branch on the name's length (names up to 15 bytes, nearly all of them); longer names continue
   * eight bytes at a time. Both paths compute the same hash and words for the same name.
   */
  public static final class MeasurementParser implements LineParser<Sample> {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SEMIS = 0x3B3B3B3B3B3B3B3BL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    /** MASKS[n]: the low n bytes of a word. */
    private static final long[] MASKS = new long[9];
    static {
      for (int n = 0; n < 8; n++) {
        MASKS[n] = (1L << (8 * n)) - 1;
      }
      MASKS[8] = -1L;
    }

    private final NameCache cache = new NameCache();
    /** The one record refilled per line when reusing, else null (a new Sample per line). */
    private final Sample reused;

    /** A parser that emits a new Sample per line. */
    public MeasurementParser() {
      this(false);
    }

    private MeasurementParser(boolean reuse) {
      reused = reuse ? new Sample(null, 0) : null;
    }

    /**
     * A parser that emits the same Sample object for every line, refilled: for a source declared
     * with {@code reusingRecords()} only.
     */
    public static MeasurementParser reusing() {
      return new MeasurementParser(true);
    }

    private Sample sample(String station, int tenths) {
      Sample r = reused;
      return r == null ? new Sample(station, tenths) : r.set(station, tenths);
    }

    /** Flags the ';' bytes of a word (the lowest flag is exact). */
    private static long semis(long word) {
      long x = word ^ SEMIS;
      return (x - ONES) & ~x & HIGHS;
    }

    @Override
    public void parse(byte[] buf, int start, int end, Collector<Sample> out) {
      int semi;
      long first;
      long second;
      long h;
      if (start + 16 <= buf.length) {
        long w1 = (long) LONGS.get(buf, start);
        long w2 = (long) LONGS.get(buf, start + 8);
        long m1 = semis(w1);
        long m2 = semis(w2);
        if ((m1 | m2) == 0) {
          parseLong(buf, start, end, out);
          return;
        }
        int n1 = Long.numberOfTrailingZeros(m1) >>> 3; // 8 when the first word has no ';'
        int n2 = Long.numberOfTrailingZeros(m2) >>> 3;
        int spills = -(n1 >>> 3); // -1 when the name goes on into the second word, else 0
        first = w1 & MASKS[n1];
        second = w2 & MASKS[n2] & spills;
        semi = start + n1 + (n2 & spills);
        if (semi >= end) {
          throw new IllegalArgumentException("no ';' in line");
        }
        h = hash(first, second);
      } else {
        parseLong(buf, start, end, out);
        return;
      }
      int tenths = parseTenths(buf, semi + 1, end);
      out.collect(sample(cache.name(buf, start, semi, (int) (h ^ (h >>> 32)), first, second), tenths));
    }

    /** Any name, a word (or, at the buffer's end, a byte) at a time; the same hash and words. */
    private void parseLong(byte[] buf, int start, int end, Collector<Sample> out) {
      long h = 0;
      long first = 0;
      long second = 0;
      int pos = start;
      int semi = -1;
      for (int words = 0; semi < 0; words++) {
        long word;
        if (pos + 8 <= buf.length) {
          word = (long) LONGS.get(buf, pos);
        } else {
          word = 0;
          for (int i = 0; i < 8 && pos + i < buf.length; i++) {
            word |= (buf[pos + i] & 0xFFL) << (8 * i);
          }
        }
        long match = semis(word);
        if (match != 0) {
          int bytes = Long.numberOfTrailingZeros(match) >>> 3;
          semi = pos + bytes;
          word &= MASKS[bytes];
        } else if (pos + 8 >= end) {
          throw new IllegalArgumentException("no ';' in line");
        }
        if (words == 0) {
          first = word;
        } else if (words == 1) {
          second = word;
          h = hash(first, second);
        } else {
          h = (h ^ word) * 0x9E3779B97F4A7C15L;
        }
        pos += 8;
      }
      if (semi >= end) {
        throw new IllegalArgumentException("no ';' in line");
      }
      if (semi - start < 8) {
        h = hash(first, 0); // the fast path's hash of a one-word name
      } else if (semi - start < 16) {
        h = hash(first, second);
      }
      int tenths = parseTenths(buf, semi + 1, end);
      out.collect(sample(cache.name(buf, start, semi, (int) (h ^ (h >>> 32)), first, second), tenths));
    }

    private static long hash(long first, long second) {
      return (first * 0x9E3779B97F4A7C15L + second) * 0xC2B2AE3D27D4EB4FL;
    }

    /**
     * {@code -?d+(.d)?} to tenths; anything else is a bad record. The challenge's shapes
     * ({@code d.d}, {@code dd.d}, {@code -d.d}, {@code -dd.d}) take a path without data-dependent
     * branches (the sign and the number of integer digits vary line by line and would mispredict).
     */
    static int parseTenths(byte[] buf, int from, int to) {
      int len = to - from;
      if (len >= 3 && len <= 5 && buf[to - 2] == '.') {
        int neg = buf[from] == '-' ? 1 : 0;
        int digitsStart = from + neg;
        int intLen = to - 2 - digitsStart;
        if (((intLen - 1) & ~1) == 0) { // 1 or 2, in one branch that does not depend on which
          int tenth = buf[to - 1] - '0';
          int ones = buf[to - 3] - '0';
          int tens = (buf[digitsStart] - '0') * (intLen - 1); // 0 when there is one integer digit
          if (((tenth | ones | tens) >>> 31) == 0 && tenth <= 9 && ones <= 9 && tens <= 9) {
            int value = tens * 100 + ones * 10 + tenth;
            return (value ^ -neg) + neg;
          }
        }
      }
      return parseTenthsGeneral(buf, from, to);
    }

    private static int parseTenthsGeneral(byte[] buf, int from, int to) {
      int i = from;
      boolean negative = false;
      if (i < to && buf[i] == '-') {
        negative = true;
        i++;
      }
      int value = 0;
      int digits = 0;
      while (i < to && buf[i] >= '0' && buf[i] <= '9') {
        value = value * 10 + (buf[i++] - '0');
        if (++digits > 3) {
          throw new IllegalArgumentException("temperature out of range");
        }
      }
      if (digits == 0) {
        throw new IllegalArgumentException("temperature is not a number");
      }
      value *= 10;
      if (i < to) {
        if (buf[i] != '.' || i + 2 != to || buf[i + 1] < '0' || buf[i + 1] > '9') {
          throw new IllegalArgumentException("temperature must have one decimal, like -12.3");
        }
        value += buf[i + 1] - '0';
      }
      return negative ? -value : value;
    }
  }

  /**
   * Open-addressing map from a name's UTF-8 bytes (with the caller's hash of them) to its String.
   * Used by one parser, so by one thread. A slot's first word, second word and hash-and-length sit
   * side by side in one {@code long[]}; names longer than 16 bytes also compare their remaining
   * bytes.
   */
  static final class NameCache {
    private long[] words = new long[3 * 512];
    private byte[][] keys = new byte[512][];
    private String[] names = new String[512];
    private int size;

    /**
     * The name of bytes [from, to) of buf, given the parser's hash of them and their first two
     * little-endian words (bytes past the name zeroed).
     */
    String name(byte[] buf, int from, int to, int hash, long first, long second) {
      // The common case, kept small so that the JIT inlines it into the parser: a short name found
      // in its home slot.
      int len = to - from;
      long meta = ((long) hash << 32) | len;
      int slot = (hash ^ (hash >>> 15)) & (names.length - 1);
      int w = 3 * slot;
      long[] ws = words;
      if (ws[w] == first && ws[w + 1] == second && ws[w + 2] == meta && len <= 16) {
        String name = names[slot];
        if (name != null) {
          return name;
        }
      }
      return probe(buf, from, len, meta, slot, first, second);
    }

    private String probe(byte[] buf, int from, int len, long meta, int slot, long first, long second) {
      String[] ns = names;
      long[] ws = words;
      int mask = ns.length - 1;
      while (true) {
        String name = ns[slot];
        if (name == null) {
          break;
        }
        int w = 3 * slot;
        if (ws[w] == first && ws[w + 1] == second && ws[w + 2] == meta
            && (len <= 16 || same(keys[slot], buf, from, len))) {
          return name;
        }
        slot = (slot + 1) & mask;
      }
      byte[] key = Arrays.copyOfRange(buf, from, from + len);
      String name = new String(key, StandardCharsets.UTF_8);
      put(slot, first, second, meta, key, name);
      if (++size * 4 > names.length) { // sparse: nearly every name is found in its home slot
        grow();
      }
      return name;
    }

    private void put(int slot, long first, long second, long meta, byte[] key, String name) {
      words[3 * slot] = first;
      words[3 * slot + 1] = second;
      words[3 * slot + 2] = meta;
      keys[slot] = key;
      names[slot] = name;
    }

    /** Bytes 16.. of the name (the first 16 were compared as words). */
    private static boolean same(byte[] k, byte[] buf, int from, int len) {
      int i = 16;
      for (; i + 8 <= len; i += 8) {
        if ((long) MeasurementParser.LONGS.get(k, i) != (long) MeasurementParser.LONGS.get(buf, from + i)) {
          return false;
        }
      }
      for (; i < len; i++) {
        if (k[i] != buf[from + i]) {
          return false;
        }
      }
      return true;
    }

    private void grow() {
      long[] oldWords = words;
      byte[][] oldKeys = keys;
      String[] oldNames = names;
      int n = oldNames.length * 2;
      words = new long[3 * n];
      keys = new byte[n][];
      names = new String[n];
      int mask = n - 1;
      for (int j = 0; j < oldNames.length; j++) {
        if (oldNames[j] != null) {
          int h = (int) (oldWords[3 * j + 2] >>> 32);
          int slot = (h ^ (h >>> 15)) & mask;
          while (names[slot] != null) {
            slot = (slot + 1) & mask;
          }
          put(slot, oldWords[3 * j], oldWords[3 * j + 1], oldWords[3 * j + 2], oldKeys[j], oldNames[j]);
        }
      }
    }
  }
}
