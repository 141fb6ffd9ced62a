package dev.sluice.api.source;

import java.io.Serializable;

/** A record a source could not read, with where it was and why. */
public record DeadLetter(String source, String position, String raw, String reason) implements Serializable {
  @Override
  public String toString() {
    return position + ": " + reason + ": " + raw;
  }
}
