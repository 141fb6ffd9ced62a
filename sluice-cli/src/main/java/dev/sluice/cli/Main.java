package dev.sluice.cli;

import dev.sluice.api.JobFailedException;
import dev.sluice.api.JobHandle;
import dev.sluice.api.JobResult;
import dev.sluice.api.Pipeline;
import dev.sluice.api.RunOptions;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.examples.OneBrc;
import dev.sluice.examples.OneBrcGenerator;
import dev.sluice.examples.WordCount;
import dev.sluice.examples.nexmark.EventJson;
import dev.sluice.examples.nexmark.GeneratorConfig;
import dev.sluice.examples.nexmark.Nexmark;
import dev.sluice.examples.nexmark.Queries;
import dev.sluice.io.InputNotFoundException;
import dev.sluice.io.OutputExistsException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import picocli.CommandLine.Parameters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command: {@code demo} (the clickstream demo), {@code run <example>},
 * {@code explain <example>}, {@code checkpoints list}, {@code savepoint}.
 *
 * <p>Exit codes, for schedulers: 0 success; 2 bad usage or bad input (unknown option or example,
 * missing input, output directory that exists); 1 the job failed. Errors are one line
 * {@code sluice: <reason>} on stderr; {@code --verbose} adds the stack trace.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0-SNAPSHOT",
    description = "Runs Sluice dataflow jobs on this machine.",
    subcommands = {Main.RunCommand.class, Main.ExplainCommand.class, DemoCommand.class,
        Main.CheckpointsCommand.class, Main.SavepointCommand.class, SqlCommand.class})
public final class Main implements Runnable {
  static final int OK = 0;
  static final int JOB_FAILED = 1;
  static final int BAD_USAGE = 2;

  @Spec CommandSpec spec;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean verbose;

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    System.out.flush();
    System.exit(code);
  }

  /** Runs the command line with the given streams and returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionStrategy(new CommandLine.RunLast());
    cl.setParameterExceptionHandler((ex, args1) -> {
      PrintWriter w = ex.getCommandLine().getErr();
      w.println("sluice: " + usageReason(ex) + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
      w.flush();
      return BAD_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter w = commandLine.getErr();
      boolean verbose = parseResult.hasMatchedOption("--verbose")
          || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"))
          || anyVerbose(parseResult);
      int code = exitCode(ex);
      w.println("sluice: " + oneLine(ex));
      if (verbose) {
        ex.printStackTrace(w);
      }
      w.flush();
      return code;
    });
    return cl.execute(args);
  }

  private static boolean anyVerbose(CommandLine.ParseResult r) {
    for (CommandLine.ParseResult p = r; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  private static String usageReason(ParameterException ex) {
    CommandLine cl = ex.getCommandLine();
    String name = cl.getCommandName();
    if (ex instanceof CommandLine.UnmatchedArgumentException u && (name.equals("run") || name.equals("explain"))
        && cl.getParseResult() != null && cl.getParseResult().subcommand() == null
        && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
      return "unknown example '" + u.getUnmatched().get(0) + "'; choose one of " + cl.getSubcommands().keySet();
    }
    return ex.getMessage().replace('\n', ' ').trim();
  }

  /** 2 for bad usage or input anywhere in the cause chain, else 1. */
  static int exitCode(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof InputNotFoundException || t instanceof OutputExistsException
          || t instanceof ParameterException) {
        return BAD_USAGE;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    if (ex instanceof JobFailedException) {
      return JOB_FAILED;
    }
    return ex instanceof IllegalArgumentException ? BAD_USAGE : JOB_FAILED;
  }

  /** The message of the most telling exception, on one line. */
  static String oneLine(Throwable ex) {
    Throwable shown = ex;
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof InputNotFoundException || t instanceof OutputExistsException) {
        shown = t;
        break;
      }
    }
    String msg = shown.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = shown.getClass().getSimpleName();
    }
    if (shown instanceof IOException && !(shown instanceof java.nio.file.FileSystemException)) {
      msg = shown.getClass().getSimpleName() + ": " + msg;
    } else if (shown instanceof java.nio.file.NoSuchFileException) {
      msg = "no such file: " + msg;
    }
    return msg.replace('\n', ' ').replace('\r', ' ').trim();
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command; choose one of " + spec.subcommands().keySet());
  }

  /** Options shared by the examples. */
  static class CommonOptions {
    @Option(names = {"-p", "--parallelism"}, paramLabel = "N",
        description = "Tasks per stage (default: number of cores).")
    int parallelism;

    @Option(names = "--state", paramLabel = "heap|rocksdb", defaultValue = "heap",
        description = "Where keyed process functions keep their state in streaming jobs: heap (default) or rocksdb"
            + " (on local disk under the temp directory, for state larger than memory).")
    String state;

    RunOptions runOptions() {
      if (parallelism < 0) {
        throw new IllegalArgumentException("parallelism must be positive, was " + parallelism);
      }
      return RunOptions.batch().withParallelism(parallelism).withStateBackend(state);
    }
  }

  /** Runs {@code p} with a progress bar when stderr is a terminal. */
  static JobResult runWithProgress(Pipeline p, RunOptions options, PrintStream err) {
    return withProgress(options, err, p::run);
  }

  /** {@code run} with a progress bar on {@code err} (cleared at the end) when there is a console; else without. */
  static <R> R withProgress(RunOptions options, PrintStream err, java.util.function.Function<RunOptions, R> run) {
    if (System.console() == null) {
      return run.apply(options);
    }
    ProgressBar bar = new ProgressBar(err);
    try {
      return run.apply(options.withProgress(bar));
    } finally {
      bar.clear();
    }
  }

  static PrintStream stream(PrintWriter w) {
    return new PrintStream(new java.io.OutputStream() {
      @Override public void write(int b) { w.write(b); }
      @Override public void write(byte[] b, int off, int len) { w.write(new String(b, off, len, StandardCharsets.UTF_8)); }
      @Override public void flush() { w.flush(); }
    }, true, StandardCharsets.UTF_8);
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Runs a bundled example job.",
      subcommands = {WordCountCommand.class, OneBrcCommand.class, GenerateCommand.class, NexmarkCommand.class})
  static final class RunCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "missing example; choose one of " + spec.subcommands().keySet());
    }
  }

  @Command(name = "explain", mixinStandardHelpOptions = true, description = "Prints the physical plan of a bundled example job.",
      subcommands = {WordCountCommand.class, OneBrcCommand.class, NexmarkCommand.class})
  static final class ExplainCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "missing example; choose one of " + spec.subcommands().keySet());
    }
  }

  /** True when this example command sits under {@code explain}. */
  static boolean explaining(CommandSpec spec) {
    return spec.parent() != null && spec.parent().name().equals("explain");
  }

  @Command(name = "wordcount", mixinStandardHelpOptions = true, description = "Counts words: output lines word<TAB>count in part-* files.")
  static final class WordCountCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "<file|dir|glob>", description = "Text to count.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "<dir>", description = "Output directory.")
    String output;

    @Option(names = "--overwrite", description = "Replace an earlier Sluice output in the output directory.")
    boolean overwrite;

    @CommandLine.Mixin CommonOptionsMixin common;

    @CommandLine.Mixin ModeOptions.Mixin modes;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      RunOptions options = modes.apply(common.runOptions(), spec.commandLine());
      Pipeline p = WordCount.build(input, output, overwrite);
      if (explaining(spec)) {
        out.print(p.explain(options));
        out.flush();
        return OK;
      }
      JobResult r = runWithProgress(p, options, stream(spec.commandLine().getErr()));
      out.printf(Locale.ROOT, "wordcount: wrote %s in %.2f s%n", output, r.duration().toNanos() / 1e9);
      out.flush();
      return OK;
    }
  }

  @Command(name = "1brc", mixinStandardHelpOptions = true, description = "One Billion Row Challenge: min/mean/max per station, one line on stdout.")
  static final class OneBrcCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "<file>", description = "Lines <station>;<temperature>.")
    String input;

    @CommandLine.Mixin CommonOptionsMixin common;

    @CommandLine.Mixin ModeOptions.Mixin modes;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      RunOptions options = modes.apply(common.runOptions(), spec.commandLine());
      if (explaining(spec)) {
        Pipeline p = Pipeline.create("1brc");
        OneBrc.stats(p, input).write(new dev.sluice.api.internal.CollectSink<>());
        out.print(p.explain(options));
        out.flush();
        return OK;
      }
      String line = withProgress(options, stream(spec.commandLine().getErr()), o -> OneBrc.run(input, o));
      out.println(line);
      out.flush();
      return OK;
    }
  }

  @Command(name = "1brc-generate", mixinStandardHelpOptions = true, description = "Writes a 1BRC measurements file.")
  static final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--rows", required = true, paramLabel = "N", description = "Number of lines.")
    long rows;

    @Option(names = "--output", required = true, paramLabel = "<file>", description = "File to write.")
    Path output;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;

    @Override
    public Integer call() throws IOException {
      if (rows < 0) {
        throw new ParameterException(spec.commandLine(), "--rows must be zero or positive, was " + rows);
      }
      long t0 = System.nanoTime();
      OneBrcGenerator.generate(rows, output, seed);
      spec.commandLine().getErr().printf(Locale.ROOT, "wrote %d rows to %s in %.1f s%n", rows, output,
          (System.nanoTime() - t0) / 1e9);
      spec.commandLine().getErr().flush();
      return OK;
    }
  }

  @Command(name = "nexmark", mixinStandardHelpOptions = true,
      description = "NEXMark query q0..q8 over generated auction events, in streaming mode. Ends with one summary line on stderr.")
  static final class NexmarkCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--query", paramLabel = "qN", defaultValue = "q0", description = "q0..q8 (default: ${DEFAULT-VALUE}).")
    String query;

    @Option(names = "--events", paramLabel = "N", defaultValue = "0",
        description = "Events to generate; 0 (default) for an unbounded stream that runs until Ctrl-C.")
    long events;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "0",
        description = "Events per second over all source tasks; 0 (default) for as fast as possible.")
    long rate;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--savepoint-dir", paramLabel = "<dir>",
        description = "On Ctrl-C (or SIGTERM) stop the job with a savepoint into this new directory instead of cancelling it: the output is committed exactly up to the savepoint. Needs --checkpoint-dir.")
    Path savepointDir;

    @Option(names = "--restore-from", paramLabel = "<dir>",
        description = "Start from this savepoint (or checkpoint chk-<n> directory), also at another parallelism. Needs --checkpoint-dir.")
    Path restoreFrom;

    @Option(names = "--output", paramLabel = "<dir>", description = "Write result rows as JSON lines to part-* files here; without it results are counted and dropped.")
    String output;

    @Option(names = "--overwrite", description = "Replace an earlier Sluice output in the output directory.")
    boolean overwrite;

    @Option(names = "--events-file", paramLabel = "<file|dir|glob>", description = "Read events from JSON lines instead of generating them.")
    String eventsFile;

    @Option(names = "--bad-records", paramLabel = "FAIL|SKIP", defaultValue = "FAIL",
        description = "What to do with events-file lines that are not events (default: ${DEFAULT-VALUE}).")
    BadRecordPolicy badRecords;

    @Option(names = "--generate-to", paramLabel = "<file>", description = "Only write the --events generated events to this JSON-lines file, then exit.")
    Path generateTo;

    @CommandLine.Mixin CommonOptionsMixin common;

    @CommandLine.Mixin ModeOptions.StreamingMixin modes;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      if (events < 0) {
        throw new ParameterException(spec.commandLine(), "--events must be zero (unbounded) or positive, was " + events);
      }
      if (rate < 0) {
        throw new ParameterException(spec.commandLine(), "--rate must be zero (unlimited) or positive, was " + rate);
      }
      if (!Queries.NAMES.contains(query.toLowerCase(Locale.ROOT))) {
        throw new ParameterException(spec.commandLine(), "unknown query '" + query + "'; choose one of "
            + Queries.NAMES);
      }
      if (badRecords == BadRecordPolicy.DEAD_LETTER) {
        throw new ParameterException(spec.commandLine(), "--bad-records must be FAIL or SKIP");
      }
      GeneratorConfig config =
          GeneratorConfig.defaults(events).withSeed(seed);
      if (generateTo != null) {
        if (events == 0) {
          throw new ParameterException(spec.commandLine(), "--generate-to needs --events N");
        }
        long t0 = System.nanoTime();
        EventJson.generate(config, generateTo);
        err.printf(Locale.ROOT, "wrote %d events to %s in %.1f s%n", events, generateTo, (System.nanoTime() - t0) / 1e9);
        err.flush();
        return OK;
      }
      Nexmark.Job job = new Nexmark.Job(query, config, rate,
          eventsFile, badRecords, Duration.ofSeconds(1), output, overwrite,
          Queries.Params.defaults());
      Nexmark.Built built = Nexmark.build(job);
      RunOptions options = modes.applyStreaming(common.runOptions(), spec.commandLine(), "NEXMark queries run on"
          + " event time over an unbounded or generated stream; use streaming or micro-batch");
      if (modes.checkpointDir == null && (savepointDir != null || restoreFrom != null)) {
        throw new ParameterException(spec.commandLine(), (savepointDir != null ? "--savepoint-dir" : "--restore-from")
            + " needs --checkpoint-dir (savepoints are checkpoints)");
      }
      if (restoreFrom != null) {
        options = options.restoreFrom(restoreFrom);
      }
      if (explaining(spec)) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(built.pipeline().explain(options));
        out.flush();
        return OK;
      }
      return runStreaming(built, options, savepointDir, err);
    }

    /**
     * Starts the job; Ctrl-C cancels it (or, with a savepoint directory, stops it with a savepoint)
     * and waits for it; prints the summary line either way.
     */
    private static int runStreaming(Nexmark.Built built, RunOptions options, Path savepointDir, PrintWriter err) {
      long t0 = System.nanoTime();
      JobHandle handle = built.pipeline().start(options);
      CountDownLatch summarized = new CountDownLatch(1);
      java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Path>> savepoint =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread hook = new Thread(() -> {
        if (savepointDir != null) {
          java.util.concurrent.CompletableFuture<Path> relay = new java.util.concurrent.CompletableFuture<>();
          savepoint.set(relay);
          handle.stopWithSavepoint(savepointDir).whenComplete((p, e) -> {
            if (e != null) {
              handle.cancel(); // the job goes on when the savepoint fails: cancel it then
              relay.completeExceptionally(e);
            } else {
              relay.complete(p);
            }
          });
        } else {
          handle.cancel();
        }
        try {
          // let the main thread print the summary before the JVM exits
          summarized.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "sluice-nexmark-cancel");
      Runtime.getRuntime().addShutdownHook(hook);
      err.println("running " + built.pipeline().name() + " (Ctrl-C stops it "
          + (savepointDir != null ? "with a savepoint into " + savepointDir + " " : "") + "and prints the summary)");
      err.flush();
      try {
        JobResult r = handle.await();
        java.util.concurrent.CompletableFuture<Path> sp = savepoint.get();
        if (sp != null) {
          try {
            err.println("savepoint written to " + sp.join() + " (resume with --restore-from " + sp.join() + ")");
          } catch (java.util.concurrent.CompletionException e) {
            err.println("sluice: stopping with a savepoint failed, the job was cancelled: " + e.getCause().getMessage());
          }
        }
        err.println(Nexmark.summary(built, r, (System.nanoTime() - t0) / 1e9));
        err.flush();
        return r.status() == JobResult.Status.FAILED ? JOB_FAILED : OK;
      } finally {
        summarized.countDown();
        built.events().release();
        built.results().release();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running: it cancelled the job, which has now ended
        }
      }
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // best effort: a leftover temp dir is not worth failing the demo for
    }
  }

  /** picocli mixin wrapper for {@link CommonOptions}. */
  static final class CommonOptionsMixin extends CommonOptions {}

  /** {@code 500ms}, {@code 10s}, {@code 2m}, or an ISO-8601 duration ({@code PT1S}). */
  static Duration parseDuration(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      } else {
        d = Duration.parse(text.strip());
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("duration must be positive, was " + text);
      }
      return d;
    } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("cannot read duration '" + text + "'; write e.g. 500ms, 10s or 2m");
    }
  }

  @Command(name = "savepoint", mixinStandardHelpOptions = true,
      description = "Asks a job running in another process (started with --checkpoint-dir) for a savepoint, waits for it"
          + " and prints 'savepoint written to <dir>'. With --stop the job then stops, its output committed exactly up"
          + " to the savepoint; resume it with 'sluice run ... --restore-from <dir>'.")
  static final class SavepointCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--checkpoint-dir", required = true, paramLabel = "<dir>",
        description = "The running job's checkpoint directory (its --checkpoint-dir).")
    Path checkpointDir;

    @Option(names = "--job", required = true, paramLabel = "<name>",
        description = "The job's name, e.g. nexmark-q1 (a directory of that name in the checkpoint directory).")
    String job;

    @Option(names = "--target", required = true, paramLabel = "<dir>",
        description = "Where to write the savepoint: a new (or empty) directory.")
    Path target;

    @Option(names = "--stop", description = "Stop the job after the savepoint.")
    boolean stop;

    @Option(names = "--timeout", paramLabel = "<duration>", defaultValue = "60s",
        description = "How long to wait for the job (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
      Duration wait;
      try {
        wait = parseDuration(timeout);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--timeout: " + e.getMessage());
      }
      Path jobDir = checkpointDir.resolve(dev.sluice.core.checkpoint.CheckpointStorage.safeName(job));
      if (!Files.isDirectory(jobDir)) {
        throw new IllegalArgumentException("no job '" + job + "' in checkpoint directory " + checkpointDir + " (no "
            + jobDir + "); give the directory and job name the job runs with (sluice checkpoints list "
            + checkpointDir + " shows its jobs)");
      }
      Path absolute = target.toAbsolutePath().normalize();
      if (Files.exists(absolute) && (!Files.isDirectory(absolute) || !isEmpty(absolute))) {
        throw new IllegalArgumentException("savepoint target " + absolute + " exists and is not an empty directory;"
            + " give a new directory");
      }
      dev.sluice.core.checkpoint.JobControl control = new dev.sluice.core.checkpoint.JobControl(jobDir);
      if (!control.running()) {
        spec.commandLine().getErr().println("sluice: no job is running for " + jobDir + " (no process holds "
            + control.lockFile() + "); start it with --checkpoint-dir " + checkpointDir + ", or restore from its"
            + " latest checkpoint by running it again");
        spec.commandLine().getErr().flush();
        return JOB_FAILED;
      }
      String id = java.util.UUID.randomUUID().toString();
      control.request(new dev.sluice.core.checkpoint.JobControl.Request(id, absolute, stop));
      long deadline = System.nanoTime() + wait.toNanos();
      PrintWriter err = spec.commandLine().getErr();
      while (true) {
        dev.sluice.core.checkpoint.JobControl.Response r = control.response(id);
        if (r != null) {
          if (r.done()) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("savepoint written to " + r.path() + (stop ? "; the job stopped" : "")
                + " (resume with --restore-from " + r.path() + ")");
            out.flush();
            return OK;
          }
          err.println("sluice: the savepoint failed: " + r.error());
          err.flush();
          return JOB_FAILED;
        }
        if (!control.running()) {
          control.withdraw();
          err.println("sluice: the job stopped before it answered (" + jobDir + "); no savepoint was written by this"
              + " request");
          err.flush();
          return JOB_FAILED;
        }
        if (System.nanoTime() > deadline) {
          boolean waiting = control.withdraw();
          err.println("sluice: no answer from job '" + job + "' (" + control.holder() + ") within " + timeout
              + (waiting ? "; it did not take the request, which is withdrawn" : "; it took the request and may"
                  + " still write the savepoint into " + absolute));
          err.flush();
          return JOB_FAILED;
        }
        Thread.sleep(20);
      }
    }

    private static boolean isEmpty(Path dir) throws IOException {
      try (java.util.stream.Stream<Path> s = Files.list(dir)) {
        return s.findAny().isEmpty();
      }
    }
  }

  @Command(name = "checkpoints", mixinStandardHelpOptions = true, description = "Inspects checkpoint directories.",
      subcommands = {CheckpointsListCommand.class})
  static final class CheckpointsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "missing command; choose one of " + spec.subcommands().keySet());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Lists the checkpoints in a checkpoint directory: id, time, duration, size, alignment time, state.")
  static final class CheckpointsListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<dir>", description = "The checkpoint directory (as given to --checkpoint-dir).")
    Path dir;

    @Override
    public Integer call() throws IOException {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("checkpoint directory " + dir + " does not exist or is not a directory");
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(dev.sluice.core.checkpoint.CheckpointListing.format(dir));
      out.flush();
      return OK;
    }
  }
}
