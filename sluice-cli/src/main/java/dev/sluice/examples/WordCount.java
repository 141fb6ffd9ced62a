package dev.sluice.examples;

import dev.sluice.api.KV;
import dev.sluice.api.Pipeline;
import dev.sluice.api.function.Collector;
import dev.sluice.io.Sinks;
import dev.sluice.io.Sources;
import java.util.Locale;

/**
 * Word count: the number of occurrences of each word in text files.
 *
 * <p>The contract (other tools and tests rely on it): a word is a maximal run of {@code char}s for
 * which {@link Character#isLetterOrDigit(char)} is true, lower-cased with
 * {@code toLowerCase(Locale.ROOT)}. The text is scanned one UTF-16 {@code char} at a time, exactly
 * as the contract reads: a supplementary character (a surrogate pair, e.g. {@code 𝐀} or most
 * emoji) is never part of a word, because {@code isLetterOrDigit} is false for each surrogate half,
 * so it separates words like punctuation does. Output lines are {@code word<TAB>count}, one per
 * distinct word, spread over the {@code part-*} files of the output directory.
 */
public final class WordCount {
  private WordCount() {}

  /** Builds the pipeline: read lines, split into words, count per word, write {@code word\tcount}. */
  public static Pipeline build(String input, String output, boolean overwrite) {
    Pipeline p = Pipeline.create("wordcount");
    p.read(Sources.textFiles(input))
        .flatMap(WordCount::split).named("split")
        .keyBy(w -> w)
        .count()
        .write(Sinks.textFiles(output, WordCount::format).withOverwrite(overwrite));
    return p;
  }

  /** Emits the lower-cased words of {@code line}. Allocates only the emitted words. */
  public static void split(String line, Collector<String> out) {
    final int n = line.length();
    int i = 0;
    while (i < n) {
      // skip separators
      while (i < n && !Character.isLetterOrDigit(line.charAt(i))) {
        i++;
      }
      if (i == n) {
        return;
      }
      int start = i;
      boolean lower = true;
      while (i < n) {
        char c = line.charAt(i);
        if (c < 128) {
          // ASCII fast path: a table-free check that avoids the Character lookup for most text
          if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            i++;
          } else if (c >= 'A' && c <= 'Z') {
            lower = false;
            i++;
          } else {
            break;
          }
        } else if (Character.isLetterOrDigit(c)) {
          // String.toLowerCase changes a word exactly when some char of it has another lower case
          // (its special cases, final sigma and dotted capital I, are such chars too)
          if (lower && Character.toLowerCase(c) != c) {
            lower = false;
          }
          i++;
        } else {
          break;
        }
      }
      String word = line.substring(start, i);
      out.collect(lower ? word : word.toLowerCase(Locale.ROOT));
    }
  }

  /** {@code word<TAB>count}. */
  public static String format(KV<String, Long> kv) {
    return kv.key() + '\t' + kv.value();
  }
}
