package dev.sluice.core.checkpoint;

import java.io.IOException;

/** A checkpoint that cannot be used: corrupt, truncated, partial, or of an unknown format. */
public class CheckpointException extends IOException {
  /** Whether the checkpoint is of a format this version cannot read (refuse, do not skip). */
  public final boolean incompatible;

  public CheckpointException(String message, boolean incompatible) {
    super(message);
    this.incompatible = incompatible;
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
    this.incompatible = false;
  }
}
