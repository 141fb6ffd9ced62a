package dev.sluice.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a 1BRC measurements file: {@code rows} lines {@code <station>;<temperature>}, stations
 * drawn uniformly from the bundled list of 413 stations, temperatures Gaussian around the station's
 * mean with standard deviation 10, rounded to one decimal and clamped to -99.9..99.9. The same seed
 * gives the same file, byte for byte.
 */
public final class OneBrcGenerator {
  private static final String STATIONS = "/dev/sluice/cli/1brc-stations.csv";

  private OneBrcGenerator() {}

  public static void generate(long rows, Path output, long seed) throws IOException {
    if (rows < 0) {
      throw new IllegalArgumentException("rows must be zero or positive, was " + rows);
    }
    List<byte[]> names = new ArrayList<>();
    List<Double> means = new ArrayList<>();
    try (InputStream in = OneBrcGenerator.class.getResourceAsStream(STATIONS)) {
      if (in == null) {
        throw new IllegalStateException("station list " + STATIONS + " missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int semi = line.lastIndexOf(';');
        names.add((line.substring(0, semi) + ';').getBytes(StandardCharsets.UTF_8));
        means.add(Double.parseDouble(line.substring(semi + 1)));
      }
    }
    int n = names.size();
    byte[][] prefix = names.toArray(new byte[0][]);
    double[] mean = new double[n];
    for (int i = 0; i < n; i++) {
      mean[i] = means.get(i);
    }
    Random random = new Random(seed);
    byte[] buf = new byte[1 << 16];
    int pos = 0;
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(output)) {
      for (long row = 0; row < rows; row++) {
        if (pos > buf.length - 128) {
          out.write(buf, 0, pos);
          pos = 0;
        }
        int s = random.nextInt(n);
        long t = Math.round((mean[s] + 10 * random.nextGaussian()) * 10.0);
        int tenths = (int) Math.max(-999, Math.min(999, t));
        byte[] p = prefix[s];
        System.arraycopy(p, 0, buf, pos, p.length);
        pos += p.length;
        if (tenths < 0) {
          buf[pos++] = '-';
          tenths = -tenths;
        }
        int whole = tenths / 10;
        if (whole >= 10) {
          buf[pos++] = (byte) ('0' + whole / 10);
        }
        buf[pos++] = (byte) ('0' + whole % 10);
        buf[pos++] = '.';
        buf[pos++] = (byte) ('0' + tenths % 10);
        buf[pos++] = '\n';
      }
      out.write(buf, 0, pos);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
