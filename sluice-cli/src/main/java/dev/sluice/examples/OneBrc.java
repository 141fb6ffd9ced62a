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
   */
  public static final class MeasurementParser implements LineParser<Sample> {
    private transient ThreadLocal<NameCache> caches;

    @Override
    public void parse(byte[] buf, int start, int end, Collector<Sample> out) {
      // one forward pass over the name finds the separator and hashes the name
      int h = 1;
      int semi = start;
      byte b;
      while (semi < end && (b = buf[semi]) != ';') {
        h = 31 * h + b;
        semi++;
      }
      if (semi == end) {
        throw new IllegalArgumentException("no ';' in line");
      }
      int tenths = parseTenths(buf, semi + 1, end);
      out.collect(new Sample(cache().name(buf, start, semi, h), tenths));
    }

    private NameCache cache() {
      ThreadLocal<NameCache> c = caches;
      if (c == null) {
        synchronized (this) {
          if (caches == null) {
            caches = ThreadLocal.withInitial(NameCache::new);
          }
          c = caches;
        }
      }
      return c.get();
    }

    /** {@code -?d+(.d)?} to tenths; anything else is a bad record. */
    static int parseTenths(byte[] buf, int from, int to) {
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

  /** Open-addressing map from a name's UTF-8 bytes to its String. Single-threaded. */
  static final class NameCache {
    private byte[][] keys = new byte[1024][];
    private String[] names = new String[1024];
    private int size;

    /** The name of bytes [from, to) of buf, whose hash (31 * h + b from 1) is {@code hash}. */
    String name(byte[] buf, int from, int to, int hash) {
      int len = to - from;
      int h = hash ^ (hash >>> 16);
      int mask = keys.length - 1;
      int slot = h & mask;
      while (true) {
        byte[] k = keys[slot];
        if (k == null) {
          break;
        }
        if (k.length == len && Arrays.equals(k, 0, len, buf, from, to)) {
          return names[slot];
        }
        slot = (slot + 1) & mask;
      }
      byte[] key = Arrays.copyOfRange(buf, from, to);
      String name = new String(key, StandardCharsets.UTF_8);
      keys[slot] = key;
      names[slot] = name;
      if (++size * 2 > keys.length) {
        grow();
      }
      return name;
    }

    private void grow() {
      byte[][] oldKeys = keys;
      String[] oldNames = names;
      keys = new byte[oldKeys.length * 2][];
      names = new String[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        byte[] k = oldKeys[j];
        if (k != null) {
          int h = 1;
          for (byte b : k) {
            h = 31 * h + b;
          }
          h ^= h >>> 16;
          int slot = h & mask;
          while (keys[slot] != null) {
            slot = (slot + 1) & mask;
          }
          keys[slot] = k;
          names[slot] = oldNames[j];
        }
      }
    }
  }
}
