package dev.sluice.core.codec;

public class CodecException extends RuntimeException {
  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }

  public CodecException(String message) {
    super(message);
  }
}
