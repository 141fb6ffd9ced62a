package dev.sluice.core.codec;

/**
 * A value could not be serialized or deserialized: an unknown or disallowed class, a truncated or
 * corrupt spill file, or a user codec that failed. The message is one line that names the file, the
 * byte offset or the class involved and, where there is one, what to do about it.
 */
public class CodecException extends RuntimeException {
  public CodecException(String message) {
    super(message);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
