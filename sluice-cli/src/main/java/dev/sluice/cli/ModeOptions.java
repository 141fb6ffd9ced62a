package dev.sluice.cli;

import dev.sluice.api.RunOptions;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The execution-mode options of the examples ({@code run wordcount}, {@code run 1brc}, {@code run nexmark}):
 * {@code --mode batch|streaming|micro-batch}, {@code --checkpoint-dir}, {@code --checkpoint-interval},
 * {@code --trigger-interval}, with one parser and one set of checks. Combinations that make no sense
 * are usage errors (exit 2, one line): checkpoints or a trigger interval in batch mode, micro-batch
 * without a checkpoint directory (its offset and commit logs live there), a checkpoint interval
 * without a directory or in micro-batch mode (every batch is a checkpoint), a trigger interval
 * outside micro-batch mode. Durations are read by {@link Main#parseDuration}.
 *
 * <p>{@link Mixin} (bounded examples) defaults to batch; {@link StreamingMixin} (examples that cannot
 * run in batch mode) defaults to streaming and refuses batch with the example's own reason.
 */
abstract class ModeOptions {
  @Option(names = "--checkpoint-dir", paramLabel = "<dir>",
      description = "Streaming and micro-batch: take checkpoints into this directory; a job run again with the same"
          + " directory resumes from its latest complete checkpoint.")
  Path checkpointDir;

  @Option(names = "--checkpoint-interval", paramLabel = "<duration>",
      description = "Streaming: time between checkpoints, e.g. 500ms, 10s, 1m (default: 1s).")
  String checkpointInterval;

  @Option(names = "--trigger-interval", paramLabel = "<duration>",
      description = "Micro-batch: time between batches, e.g. 100ms (default: 1s).")
  String triggerInterval;

  /** The {@code --mode} given (or its default). */
  abstract String mode();

  /** {@code base} (a batch {@link RunOptions}) in the chosen mode; throws a usage error for bad combinations. */
  RunOptions apply(RunOptions base, CommandLine cl) {
    switch (mode().toLowerCase(Locale.ROOT)) {
      case "batch" -> {
        if (checkpointDir != null || checkpointInterval != null) {
          throw new ParameterException(cl, "--checkpoint-dir and --checkpoint-interval need --mode streaming or"
              + " micro-batch (a batch job re-runs failed tasks instead)");
        }
        if (triggerInterval != null) {
          throw new ParameterException(cl, "--trigger-interval needs --mode micro-batch");
        }
        return base.withMode(RunOptions.Mode.BATCH);
      }
      case "streaming" -> {
        if (triggerInterval != null) {
          throw new ParameterException(cl, "--trigger-interval needs --mode micro-batch");
        }
        if (checkpointInterval != null && checkpointDir == null) {
          throw new ParameterException(cl, "--checkpoint-interval needs --checkpoint-dir");
        }
        RunOptions o = base.withMode(RunOptions.Mode.STREAMING);
        return checkpointDir == null ? o
            : o.withCheckpointing(checkpointDir, duration(cl, "--checkpoint-interval", checkpointInterval));
      }
      case "micro-batch" -> {
        if (checkpointDir == null) {
          throw new ParameterException(cl, "--mode micro-batch needs --checkpoint-dir (the offset and commit logs"
              + " of the batches are kept there)");
        }
        if (checkpointInterval != null) {
          throw new ParameterException(cl, "--checkpoint-interval does not apply to --mode micro-batch (every batch"
              + " is a checkpoint); use --trigger-interval");
        }
        return base.withMode(RunOptions.Mode.MICRO_BATCH)
            .withTrigger(new RunOptions.Trigger(duration(cl, "--trigger-interval", triggerInterval), false))
            .withCheckpointing(checkpointDir, duration(cl, "--trigger-interval", triggerInterval));
      }
      default -> throw new ParameterException(cl, "unknown --mode '" + mode()
          + "'; choose batch, streaming or micro-batch");
    }
  }

  private static java.time.Duration duration(CommandLine cl, String option, String text) {
    if (text == null) {
      return java.time.Duration.ofSeconds(1);
    }
    try {
      return Main.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, option + ": " + e.getMessage());
    }
  }

  /** picocli mixin of the bounded examples: {@code --mode} defaults to batch. */
  static final class Mixin extends ModeOptions {
    @Option(names = "--mode", paramLabel = "batch|streaming|micro-batch", defaultValue = "batch",
        description = "Execution mode (default: ${DEFAULT-VALUE}); micro-batch needs --checkpoint-dir.")
    String mode;

    @Override
    String mode() {
      return mode;
    }
  }

  /**
   * picocli mixin of the examples that only run on a stream: {@code --mode} defaults to streaming and
   * batch is refused; call {@link #applyStreaming}.
   */
  static final class StreamingMixin extends ModeOptions {
    @Option(names = "--mode", paramLabel = "streaming|micro-batch", defaultValue = "streaming",
        description = "Execution mode (default: ${DEFAULT-VALUE}); micro-batch needs --checkpoint-dir.")
    String mode;

    @Override
    String mode() {
      return mode;
    }

    /**
     * Like {@link #apply}, but {@code --mode batch} is a usage error "--mode batch: {@code whyNotBatch}"
     * and an unknown mode offers only streaming and micro-batch.
     */
    RunOptions applyStreaming(RunOptions base, CommandLine cl, String whyNotBatch) {
      switch (mode.toLowerCase(Locale.ROOT)) {
        case "streaming", "micro-batch" -> {
          return apply(base, cl);
        }
        case "batch" -> throw new ParameterException(cl, "--mode batch: " + whyNotBatch);
        default -> throw new ParameterException(cl, "unknown --mode '" + mode + "'; choose streaming or micro-batch");
      }
    }
  }
}
