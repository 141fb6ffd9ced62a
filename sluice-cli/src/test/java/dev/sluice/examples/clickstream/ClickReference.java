package dev.sluice.examples.clickstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The independent computation of both demo tables in plain Java, over a list of clicks (e.g. the
 * {@code --dump-events} file): group by user and 1-minute window and count; group by user and session,
 * sort each session by event time (ties by page, action), take each click's gap to the next one when
 * it is at most 30 minutes, and sum per page and the window of the earlier click. Shares nothing with
 * the pipeline but the {@link Click} record (its comparator is restated here).
 */
final class ClickReference {
  static final long WINDOW = 60_000;
  static final long TIMEOUT = 30 * 60_000;

  private ClickReference() {}

  /** {@code "user|windowStart" -> clicks}. */
  static Map<String, Long> userClicks(List<Click> clicks) {
    Map<String, Long> m = new TreeMap<>();
    for (Click c : clicks) {
      m.merge(c.userId() + "|" + Math.floorDiv(c.eventTime(), WINDOW) * WINDOW, 1L, Long::sum);
    }
    return m;
  }

  /** {@code "page|windowStart" -> [total dwell ms, clicks with dwell]}. */
  static Map<String, List<Long>> pageDwell(List<Click> clicks) {
    Map<String, List<Click>> sessions = new HashMap<>();
    for (Click c : clicks) {
      sessions.computeIfAbsent(c.userId() + "\u0001" + c.sessionId(), k -> new ArrayList<>()).add(c);
    }
    Map<String, long[]> sums = new TreeMap<>();
    Comparator<Click> order = Comparator.comparingLong(Click::eventTime).thenComparing(Click::page)
        .thenComparing(Click::action);
    for (List<Click> s : sessions.values()) {
      s.sort(order);
      for (int i = 0; i + 1 < s.size(); i++) {
        long gap = s.get(i + 1).eventTime() - s.get(i).eventTime();
        if (gap <= TIMEOUT) {
          long[] a = sums.computeIfAbsent(s.get(i).page() + "|" + Math.floorDiv(s.get(i).eventTime(), WINDOW) * WINDOW,
              k -> new long[2]);
          a[0] += gap;
          a[1]++;
        }
      }
    }
    Map<String, List<Long>> out = new TreeMap<>();
    sums.forEach((k, v) -> out.put(k, List.of(v[0], v[1])));
    return out;
  }

  static List<Click> read(Path jsonLines) throws IOException {
    List<Click> out = new ArrayList<>();
    for (String line : Files.readAllLines(jsonLines, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(ClickJson.parse(line));
      }
    }
    return out;
  }

  static List<Click> generate(ClickGenerator gen, long n) {
    List<Click> out = new ArrayList<>((int) n);
    for (long i = 0; i < n; i++) {
      out.add(gen.apply(i));
    }
    return out;
  }
}
