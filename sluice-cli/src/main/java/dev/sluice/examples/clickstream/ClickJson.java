package dev.sluice.examples.clickstream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Clicks as JSON lines: the format of {@code --dump-events} and of click events read from Kafka. */
public final class ClickJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ClickJson() {}

  /** One line of JSON, without a line break. */
  public static String toJson(Click c) {
    StringBuilder b = new StringBuilder(112);
    b.append("{\"userId\":");
    quote(b, c.userId());
    b.append(",\"sessionId\":");
    quote(b, c.sessionId());
    b.append(",\"page\":");
    quote(b, c.page());
    b.append(",\"action\":");
    quote(b, c.action());
    b.append(",\"eventTime\":").append(c.eventTime()).append('}');
    return b.toString();
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (ch < 0x20) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    b.append('"');
  }

  /**
   * Parses one line; throws {@link IllegalArgumentException} naming what is wrong (not JSON, a missing
   * or mistyped field).
   */
  public static Click parse(String line) {
    JsonNode n;
    try {
      n = MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON click: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON click object: " + abbreviate(line));
    }
    return new Click(text(n, "userId", line), text(n, "sessionId", line), text(n, "page", line), text(n, "action", line),
        time(n, line));
  }

  private static String text(JsonNode n, String field, String line) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("click without a string field '" + field + "': " + abbreviate(line));
    }
    return v.asText();
  }

  private static long time(JsonNode n, String line) {
    JsonNode v = n.get("eventTime");
    if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("click without an integer field 'eventTime' (epoch ms): " + abbreviate(line));
    }
    return v.asLong();
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
