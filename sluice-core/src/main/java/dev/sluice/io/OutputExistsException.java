package dev.sluice.io;

/**
 * A file sink's output directory already holds data and may not be replaced: it is not empty and
 * overwrite is off, or it holds files Sluice did not write.
 */
public class OutputExistsException extends IllegalArgumentException {
  public OutputExistsException(String message) {
    super(message);
  }
}
