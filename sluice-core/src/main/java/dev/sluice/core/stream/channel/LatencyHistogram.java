package dev.sluice.core.stream.channel;

/**
 * A compact log-linear histogram of latencies in microseconds (exact below 128 µs, then 64
 * sub-buckets per power of two: about 1.6 % relative error), in the spirit of HdrHistogram but
 * without the dependency. One writer thread; merge per-thread histograms after they stopped.
 */
public final class LatencyHistogram {
  private static final int LINEAR = 128;
  private static final int SUB_BITS = 6;
  private static final int SUB = 1 << SUB_BITS;
  private final long[] counts = new long[LINEAR + (64 - 7) * SUB];
  private long total;

  /** Records {@code count} samples of {@code nanos}. */
  public void recordNanos(long nanos, long count) {
    long micros = Math.max(0, nanos / 1000);
    counts[index(micros)] += count;
    total += count;
  }

  static int index(long v) {
    if (v < LINEAR) {
      return (int) v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v);
    int sub = (int) ((v >>> (e - SUB_BITS)) & (SUB - 1));
    return LINEAR + (e - 7) * SUB + sub;
  }

  /** The upper end of bucket {@code i}, in microseconds. */
  static long upper(int i) {
    if (i < LINEAR) {
      return i;
    }
    int e = (i - LINEAR) / SUB + 7;
    int sub = (i - LINEAR) % SUB;
    return ((long) (SUB + sub + 1) << (e - SUB_BITS)) - 1;
  }

  public void add(LatencyHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
  }

  public long count() {
    return total;
  }

  /** The value at quantile {@code q} (0..1) in milliseconds, NaN when empty. */
  public double quantileMs(double q) {
    if (total == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return upper(i) / 1000.0;
      }
    }
    return upper(counts.length - 1) / 1000.0;
  }
}
