package dev.sluice.io;

/** A file source's input path or glob matches no readable file. */
public class InputNotFoundException extends IllegalArgumentException {
  public InputNotFoundException(String message) {
    super(message);
  }
}
