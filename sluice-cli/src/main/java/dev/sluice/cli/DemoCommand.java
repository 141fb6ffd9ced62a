package dev.sluice.cli;

import dev.sluice.api.Dataset;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.api.source.Source;
import dev.sluice.api.time.WatermarkStrategy;
import dev.sluice.examples.clickstream.BatchReporter;
import dev.sluice.examples.clickstream.BatchStats;
import dev.sluice.examples.clickstream.Click;
import dev.sluice.examples.clickstream.ClickGenerator;
import dev.sluice.examples.clickstream.ClickJson;
import dev.sluice.examples.clickstream.Clickstream;
import dev.sluice.examples.clickstream.ClickstreamTables;
import dev.sluice.kafka.KafkaDeserializers;
import dev.sluice.kafka.KafkaSource;
import dev.sluice.kafka.StoppingOffsets;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice demo}: the clickstream job ({@link Clickstream}) in one-second micro-batches, from the
 * click generator or a Kafka topic, upserting {@code user_clicks} and {@code page_dwell} into an
 * embedded SQLite database (or {@code --jdbc-url}) exactly once, with checkpoints in a local directory so
 * that a killed demo run again continues where the last committed batch ended. One summary line per
 * micro-batch; at the end (the last event, or Ctrl-C) the batch-duration figures and the top pages and
 * users read back from the database.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"The clickstream demo: clicks (generated, or JSON from Kafka) in one-second micro-batches; per user"
        + " and 1-minute event-time window the clicks, per page and window total and average dwell time; upserted"
        + " exactly once into user_clicks and page_dwell of an embedded SQLite database (or --jdbc-url).",
        "Kill it and run it again with the same --checkpoint-dir: it continues exactly once. Remove the directory"
        + " (default ./sluice-demo) to start over."})
final class DemoCommand implements Callable<Integer> {
  static final String DEFAULT_DIR = "sluice-demo";

  @Spec CommandSpec spec;

  @Option(names = "--events", paramLabel = "N", defaultValue = "0",
      description = "Clicks to generate; 0 (default) for an unbounded stream that runs until Ctrl-C.")
  long events;

  @Option(names = "--rate", paramLabel = "R", defaultValue = "20000",
      description = "Clicks per second generated (default: ${DEFAULT-VALUE}); 0 for as fast as possible.")
  long rate;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--clicks-per-second", paramLabel = "N", defaultValue = "1000",
      description = "How fast event time runs in the generated clicks, in clicks per second of event time (default:"
          + " ${DEFAULT-VALUE}); with the default --rate a 1-minute window closes every 3 s.")
  int clicksPerSecond;

  @Option(names = "--dump-events", paramLabel = "<file>",
      description = "Also write the --events generated clicks to this file as JSON lines (before the job starts), to"
          + " recompute the tables independently.")
  Path dumpEvents;

  @Option(names = "--kafka", paramLabel = "<bootstrap>",
      description = "Read JSON clicks from Kafka at these bootstrap servers (with --topic) instead of generating them.")
  String kafka;

  @Option(names = "--topic", paramLabel = "<topic>", description = "The Kafka topic of the clicks (with --kafka).")
  String topic;

  @Option(names = "--stop-at-end",
      description = "Kafka: read up to the offsets that are the latest when the demo starts, then finish.")
  boolean stopAtEnd;

  @Option(names = "--max-out-of-orderness", paramLabel = "<duration>", defaultValue = "5s",
      description = "Kafka: how far clicks may come behind the largest event time seen (default: ${DEFAULT-VALUE});"
          + " later ones are late (counted and logged).")
  String maxOutOfOrderness;

  @Option(names = "--bad-records", paramLabel = "FAIL|SKIP", defaultValue = "FAIL",
      description = "Kafka: what to do with records that are not JSON clicks (default: ${DEFAULT-VALUE}).")
  BadRecordPolicy badRecords;

  @Option(names = "--jdbc-url", paramLabel = "<url>",
      description = "The database for the result tables, e.g. jdbc:postgresql://localhost/demo?user=u&password=p"
          + " (default: the SQLite file db/clickstream.db beside the checkpoint directory).")
  String jdbcUrl;

  @Option(names = "--checkpoint-dir", paramLabel = "<dir>",
      description = "Checkpoints and micro-batch logs (default: ./" + DEFAULT_DIR + "/checkpoints); a run with the same"
          + " directory continues the last one.")
  Path checkpointDir;

  @Option(names = "--trigger-interval", paramLabel = "<duration>", defaultValue = "1s",
      description = "Time between micro-batches, e.g. 500ms, 2s (default: ${DEFAULT-VALUE}).")
  String triggerInterval;

  @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "Pages and users in the final report (default: ${DEFAULT-VALUE}).")
  int top;

  @CommandLine.Mixin Main.CommonOptionsMixin common;

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    PrintWriter out = cl.getOut();
    checkUsage(cl);
    Duration trigger = duration(cl, "--trigger-interval", triggerInterval);
    Path ck = checkpointDirOrDefault(checkpointDir);
    String url = jdbcUrl != null ? jdbcUrl : ClickstreamTables.defaultJdbcUrl(ck); // the sink creates db/
    ClickGenerator gen = new ClickGenerator(seed, clicksPerSecond);
    if (dumpEvents != null) {
      long t0 = System.nanoTime();
      dump(gen, events, dumpEvents);
      out.printf(Locale.ROOT, "wrote %,d clicks to %s in %.1f s%n", events, dumpEvents, (System.nanoTime() - t0) / 1e9);
    }

    RunOptions options = common.runOptions()
        .withMode(RunOptions.Mode.MICRO_BATCH)
        .withTrigger(new RunOptions.Trigger(trigger, false).withMaxOffsetsPerSplit(maxOffsetsPerSplit(trigger)))
        .withCheckpointing(ck, trigger);
    int parallelism = options.effectiveParallelism();
    Pipeline p = Clickstream.pipeline();
    Dataset<Click> clicks;
    int stride;
    String what;
    if (kafka != null) {
      KafkaSource.Builder<Click> b = KafkaSource.builder(kafka, topic)
          .deserializer(KafkaDeserializers.json(Click.class))
          .badRecordPolicy(badRecords);
      Source<Click> src = (stopAtEnd ? b.bounded(StoppingOffsets.latest()) : b).build();
      clicks = p.read(src).withTimestamps(Click::eventTime,
          WatermarkStrategy.<Click>boundedOutOfOrderness(duration(cl, "--max-out-of-orderness", maxOutOfOrderness))
              .withIdleness(Duration.ofSeconds(5)));
      stride = 1;
      what = "JSON clicks from Kafka topic " + topic + " at " + kafka;
    } else {
      clicks = Clickstream.generated(p, gen, events, rate);
      stride = Clickstream.generatorSource(gen, events, rate).splits(parallelism).size();
      what = (events > 0 ? String.format(Locale.ROOT, "%,d", events) : "unbounded") + " generated clicks (seed " + seed
          + (rate > 0 ? String.format(Locale.ROOT, ", %,d/s", rate) : ", as fast as possible") + ")";
    }
    BatchStats stats = BatchStats.create();
    Clickstream.build(clicks, stats.counting(ClickstreamTables.userClicks(url)),
        stats.counting(ClickstreamTables.pageDwell(url)));

    out.println("clickstream demo: " + what);
    out.println("  micro-batches every " + triggerInterval + ", parallelism " + parallelism + ", checkpoints in " + ck);
    out.println("  tables user_clicks and page_dwell in " + redact(url));
    out.println("  (Ctrl-C stops it; run it again to continue exactly once)");
    out.flush();
    BatchReporter reporter = new BatchReporter(ck.resolve(Clickstream.JOB), stride, stats, out);
    options = options.withCheckpointing(options.checkpointing().withListener(reporter.listener()));
    try {
      JobResult r = runUntilDoneOrCtrlC(p, options, reporter);
      reporter.stop();
      out.printf(Locale.ROOT, "%s after %,d events and %,d rows upserted in this run; %s%n",
          r.status() == JobResult.Status.CANCELLED ? "stopped" : "finished", reporter.events(), reporter.rows(),
          reporter.durationSummary(trigger.toMillis()));
      report(out, url);
      out.flush();
      return r.status() == JobResult.Status.FAILED ? Main.JOB_FAILED : Main.OK;
    } finally {
      reporter.stop();
      stats.release();
      summarized();
    }
  }

  private void checkUsage(CommandLine cl) {
    if (events < 0) {
      throw new ParameterException(cl, "--events must be zero (unbounded) or positive, was " + events);
    }
    if (rate < 0) {
      throw new ParameterException(cl, "--rate must be zero (unlimited) or positive, was " + rate);
    }
    if (clicksPerSecond < 1) {
      throw new ParameterException(cl, "--clicks-per-second must be positive, was " + clicksPerSecond);
    }
    if (top < 0) {
      throw new ParameterException(cl, "--top must be zero or positive, was " + top);
    }
    if ((kafka == null) != (topic == null)) {
      throw new ParameterException(cl, kafka == null ? "--topic needs --kafka <bootstrap servers>" : "--kafka needs --topic <topic>");
    }
    if (kafka != null && (dumpEvents != null || events > 0)) {
      throw new ParameterException(cl, (dumpEvents != null ? "--dump-events" : "--events")
          + " applies to generated clicks, not to --kafka");
    }
    if (stopAtEnd && kafka == null) {
      throw new ParameterException(cl, "--stop-at-end applies to --kafka");
    }
    if (dumpEvents != null && events == 0) {
      throw new ParameterException(cl, "--dump-events needs --events N (the unbounded stream cannot be written out)");
    }
    if (badRecords == BadRecordPolicy.DEAD_LETTER) {
      throw new ParameterException(cl, "--bad-records must be FAIL or SKIP");
    }
    if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:")) {
      throw new ParameterException(cl, "--jdbc-url must be a JDBC URL like jdbc:postgresql://host/db, was '" + jdbcUrl + "'");
    }
  }

  private static Duration duration(CommandLine cl, String option, String text) {
    try {
      return Main.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, option + ": " + e.getMessage());
    }
  }


  /** {@code --checkpoint-dir} as given, else {@code ./sluice-demo/checkpoints}; absolute. */
  static Path checkpointDirOrDefault(Path given) {
    return (given != null ? given : Path.of(DEFAULT_DIR, "checkpoints")).toAbsolutePath().normalize();
  }

  /** The most events a batch plans per split: a catch-up batch after a pause stays about 2 triggers long. */
  private long maxOffsetsPerSplit(Duration trigger) {
    long perBatch = rate > 0 ? Math.max(10_000, rate * trigger.toMillis() / 1000 * 2) : 500_000;
    return perBatch;
  }

  private static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  static void dump(ClickGenerator gen, long n, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (long i = 0; i < n; i++) {
        w.write(ClickJson.toJson(gen.apply(i)));
        w.write('\n');
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Printed the summary: the shutdown hook of Ctrl-C waits for it before the JVM exits. */
  private final CountDownLatch summarized = new CountDownLatch(1);
  private Thread hook;

  /** Runs the job; Ctrl-C (SIGINT/SIGTERM) cancels it, and the summary is still printed. */
  private JobResult runUntilDoneOrCtrlC(Pipeline p, RunOptions options, BatchReporter reporter) {
    JobHandle handle = p.start(options);
    reporter.start();
    hook = new Thread(() -> {
      handle.cancel();
      try {
        summarized.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "sluice-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    return handle.await();
  }

  private void summarized() {
    summarized.countDown();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running (Ctrl-C): it cancelled the job and now lets the JVM exit
      }
    }
  }

  private void report(PrintWriter out, String url) {
    if (top == 0) {
      return;
    }
    try {
      List<ClickstreamTables.Top> pages = ClickstreamTables.topPages(url, top);
      List<ClickstreamTables.Top> users = ClickstreamTables.topUsers(url, top);
      out.println("top pages (clicks with a dwell time, average dwell):");
      for (ClickstreamTables.Top t : pages) {
        out.printf(Locale.ROOT, "  %-18s %,10d  %,8.0f ms%n", t.name(), t.clicks(), t.avgDwellMs());
      }
      out.println("top users (clicks):");
      for (ClickstreamTables.Top t : users) {
        out.printf(Locale.ROOT, "  %-18s %,10d%n", t.name(), t.clicks());
      }
    } catch (SQLException e) {
      out.println("demo: cannot read the result tables from " + redact(url) + ": " + e.getMessage().lines().findFirst().orElse(""));
    }
  }
}
