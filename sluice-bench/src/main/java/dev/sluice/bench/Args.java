package dev.sluice.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs. */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  Args(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option, was " + args[i]);
      }
      String name = args[i].substring(2);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        values.put(name, args[++i]);
      } else {
        values.put(name, "true");
      }
    }
  }

  long getLong(String name, long dflt) {
    String v = values.get(name);
    return v == null ? dflt : Long.parseLong(v.replace("_", ""));
  }

  String get(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  Path workDir() {
    return Path.of(get("work-dir", Path.of(System.getProperty("java.io.tmpdir"), "sluice-bench").toString()));
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
