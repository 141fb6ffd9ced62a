package dev.sluice.api.source;

/** A source met a record it cannot read, under {@link BadRecordPolicy#FAIL}. */
public class BadRecordException extends RuntimeException {
  private final String position;

  public BadRecordException(String position, String reason, String raw) {
    super("bad record at " + position + ": " + reason + " (record: " + abbreviate(raw)
        + "); fix the input or set the source's bad-record policy to SKIP or DEAD_LETTER");
    this.position = position;
  }

  public String position() {
    return position;
  }

  static String abbreviate(String raw) {
    if (raw == null) {
      return "null";
    }
    return raw.length() <= 120 ? '"' + raw + '"' : '"' + raw.substring(0, 117) + "...\"";
  }
}
