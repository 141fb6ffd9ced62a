package dev.sluice.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Generates a Zipf-like text corpus for word count demos and benchmarks: a vocabulary of
 * {@code vocabulary} distinct pseudo-words (some with digits or accented letters), drawn with
 * probability about proportional to 1/rank, some capitalized or upper-cased, separated by spaces and
 * punctuation, in lines of 4..20 words. Deterministic per seed.
 */
public final class WordCorpus {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzéüøß";
  private static final String[] SEPARATORS = {" ", " ", " ", " ", " ", ", ", ". ", " - ", "; ", "! ", "? ", " (", ") ", "\t", "'"};

  private WordCorpus() {}

  /** Writes about {@code bytes} bytes (it stops at the first line end past that size). */
  public static void generate(Path output, long bytes, int vocabulary, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] words = new byte[vocabulary][];
    byte[][] capitalized = new byte[vocabulary][];
    byte[][] upper = new byte[vocabulary][];
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < vocabulary; i++) {
      String w;
      do {
        StringBuilder sb = new StringBuilder();
        int len = 1 + Math.min(12, (int) Math.round(Math.abs(random.nextGaussian()) * 3) + 1 + random.nextInt(3));
        for (int j = 0; j < len; j++) {
          sb.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        if (random.nextInt(40) == 0) {
          sb.append(random.nextInt(100));
        }
        w = sb.toString();
      } while (!seen.add(w));
      words[i] = w.getBytes(StandardCharsets.UTF_8);
      capitalized[i] = (Character.toUpperCase(w.charAt(0)) + w.substring(1)).getBytes(StandardCharsets.UTF_8);
      upper[i] = w.toUpperCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    }
    byte[][] separators = new byte[SEPARATORS.length][];
    for (int i = 0; i < separators.length; i++) {
      separators[i] = SEPARATORS[i].getBytes(StandardCharsets.UTF_8);
    }
    double logN = Math.log(vocabulary + 1.0);
    byte[] buf = new byte[1 << 16];
    int pos = 0;
    long written = 0;
    try (OutputStream out = Files.newOutputStream(output)) {
      while (written + pos < bytes) {
        int lineWords = 4 + random.nextInt(17);
        for (int k = 0; k < lineWords; k++) {
          if (pos > buf.length - 256) {
            out.write(buf, 0, pos);
            written += pos;
            pos = 0;
          }
          // rank ~ 1/x: exp(u * ln(N+1)) - 1 is a continuous Zipf(s=1) draw
          int rank = (int) (Math.exp(random.nextDouble() * logN) - 1.0);
          if (rank >= vocabulary) {
            rank = vocabulary - 1;
          }
          int style = random.nextInt(100);
          byte[] w = style < 8 ? capitalized[rank] : style < 9 ? upper[rank] : words[rank];
          System.arraycopy(w, 0, buf, pos, w.length);
          pos += w.length;
          if (k + 1 < lineWords) {
            byte[] s = separators[random.nextInt(separators.length)];
            System.arraycopy(s, 0, buf, pos, s.length);
            pos += s.length;
          }
        }
        buf[pos++] = random.nextInt(4) == 0 ? (byte) '.' : (byte) ' ';
        buf[pos++] = '\n';
      }
      out.write(buf, 0, pos);
    }
  }
}
