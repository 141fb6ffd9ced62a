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
 * names are decoded once per distinct name per reader thread (a small byte-keyed cache), so a line
 * costs no String and no decoding. Aggregation is exact integer arithmetic in tenths, combined before
 * the shuffle.
 */
public final class OneBrc {
  private OneBrc() {}

  /** One measurement: a station and a temperature in tenths of a degree. */
  public record Sample(String station, int tenths) implements Serializable {}

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
    return p.read(Sources.lines(input, new MeasurementParser()))
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
   * Parses {@code name;-12.3} from bytes. The name cache is per thread (the parser object is shared
   * by all readers of a job) and keyed by the name's bytes, so each distinct name is decoded once.
   *
   * <p>The name is scanned eight bytes at a time (SWAR): each little-endian word is tested for a
   * {@code ';'} byte and folded into the hash, so a typical name costs one or two steps instead of
   * one per byte.
   */
  public static final class MeasurementParser implements LineParser<Sample> {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SEMIS = 0x3B3B3B3B3B3B3B3BL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private transient ThreadLocal<NameCache> caches;
    private transient NameCache[] threadSlots;

    @Override
    public void parse(byte[] buf, int start, int end, Collector<Sample> out) {
      long h = 0;
      long first = 0; // the name's first two (masked) words: enough to compare names up to 16 bytes
      long second = 0;
      int words = 0;
      int pos = start;
      int semi = -1;
      while (pos + 8 <= end) {
        long word = (long) LONGS.get(buf, pos);
        long x = word ^ SEMIS;
        long match = (x - ONES) & ~x & HIGHS;
        if (match != 0) {
          int bytes = Long.numberOfTrailingZeros(match) >>> 3;
          semi = pos + bytes;
          word = bytes == 0 ? 0 : word & (-1L >>> (64 - 8 * bytes));
        }
        if (words == 0) {
          first = word;
        } else if (words == 1) {
          second = word;
        }
        words++;
        h = mix(h, word);
        if (semi >= 0) {
          break;
        }
        pos += 8;
      }
      if (semi < 0) {
        // fewer than 8 bytes left: the same folding, one byte at a time
        long word = 0;
        int shift = 0;
        while (pos < end && buf[pos] != ';') {
          word |= (buf[pos] & 0xFFL) << shift;
          shift += 8;
          pos++;
        }
        if (pos == end) {
          throw new IllegalArgumentException("no ';' in line");
        }
        semi = pos;
        if (words == 0) {
          first = word;
        } else if (words == 1) {
          second = word;
        }
        h = mix(h, word);
      }
      int tenths = parseTenths(buf, semi + 1, end);
      out.collect(new Sample(cache().name(buf, start, semi, (int) (h ^ (h >>> 32)), first, second), tenths));
    }

    private static long mix(long h, long word) {
      return (h ^ word) * 0x9E3779B97F4A7C15L;
    }

    /**
     * This thread's cache. A ThreadLocal lookup per line costs more than the rest of the parse, so
     * threads first look in a small array indexed by thread id; a slot is only used by the thread
     * that owns it (the owner is a final field, so a slot written by another thread is recognised
     * as foreign), and a collision falls back to the ThreadLocal.
     */
    private NameCache cache() {
      Thread me = Thread.currentThread();
      NameCache[] slots = threadSlots;
      if (slots != null) {
        NameCache c = slots[(int) me.getId() & (slots.length - 1)];
        if (c != null && c.owner == me) {
          return c;
        }
      }
      return cacheSlow(me);
    }

    private NameCache cacheSlow(Thread me) {
      ThreadLocal<NameCache> local;
      NameCache[] slots;
      synchronized (this) {
        if (caches == null) {
          caches = ThreadLocal.withInitial(() -> new NameCache(Thread.currentThread()));
          threadSlots = new NameCache[64];
        }
        local = caches;
        slots = threadSlots;
      }
      NameCache c = local.get();
      slots[(int) me.getId() & (slots.length - 1)] = c;
      return c;
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
        if (intLen == 1 || intLen == 2) {
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
   * Single-threaded. Compares the stored hash first, then the bytes.
   */
  static final class NameCache {
    final Thread owner;
    private int[] hashes = new int[2048];
    private int[] lengths = new int[2048];
    private long[] firsts = new long[2048];
    private long[] seconds = new long[2048];
    private byte[][] keys = new byte[2048][];
    private String[] names = new String[2048];
    private int size;

    NameCache(Thread owner) {
      this.owner = owner;
    }

    /**
     * The name of bytes [from, to) of buf, given the parser's hash of them and their first two
     * little-endian words (bytes past the name zeroed).
     */
    String name(byte[] buf, int from, int to, int hash, long first, long second) {
      int len = to - from;
      int mask = keys.length - 1;
      int slot = (hash ^ (hash >>> 15)) & mask;
      while (true) {
        String name = names[slot];
        if (name == null) {
          break;
        }
        if (hashes[slot] == hash && lengths[slot] == len && firsts[slot] == first && seconds[slot] == second
            && (len <= 16 || same(keys[slot], buf, from, len))) {
          return name;
        }
        slot = (slot + 1) & mask;
      }
      byte[] key = Arrays.copyOfRange(buf, from, to);
      String name = new String(key, StandardCharsets.UTF_8);
      hashes[slot] = hash;
      lengths[slot] = len;
      firsts[slot] = first;
      seconds[slot] = second;
      keys[slot] = key;
      names[slot] = name;
      if (++size * 2 > keys.length) {
        grow();
      }
      return name;
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
      int[] oldHashes = hashes;
      int[] oldLengths = lengths;
      long[] oldFirsts = firsts;
      long[] oldSeconds = seconds;
      byte[][] oldKeys = keys;
      String[] oldNames = names;
      int n = oldKeys.length * 2;
      hashes = new int[n];
      lengths = new int[n];
      firsts = new long[n];
      seconds = new long[n];
      keys = new byte[n][];
      names = new String[n];
      int mask = n - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        if (oldNames[j] != null) {
          int h = oldHashes[j];
          int slot = (h ^ (h >>> 15)) & mask;
          while (names[slot] != null) {
            slot = (slot + 1) & mask;
          }
          hashes[slot] = h;
          lengths[slot] = oldLengths[j];
          firsts[slot] = oldFirsts[j];
          seconds[slot] = oldSeconds[j];
          keys[slot] = oldKeys[j];
          names[slot] = oldNames[j];
        }
      }
    }
  }
}
