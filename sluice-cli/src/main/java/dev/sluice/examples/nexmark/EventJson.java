package dev.sluice.examples.nexmark;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.sluice.api.source.BadRecordPolicy;
import dev.sluice.io.FileSource;
import dev.sluice.io.LineParser;
import dev.sluice.io.Sources;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NEXMark events as JSON lines: one flat object per line with a {@code "type"} of {@code "person"},
 * {@code "auction"} or {@code "bid"} and the fields of that record under their model names;
 * timestamps ({@code dateTime}, {@code expires}) are epoch millis. For example
 * {@code {"type":"bid","auction":1000,"bidder":1001,"price":3456,"channel":"Google","url":"https://...","dateTime":1700000000005,"extra":"..."}}.
 *
 * <p>Reading: numeric fields and the bid's {@code dateTime} are required; string fields default to
 * {@code ""} (Beam's bids have no channel or url); other fields are ignored. A line that is not such
 * an object is a bad record, handled by the source's policy.
 */
public final class EventJson {
  private static final ObjectReader READER = new ObjectMapper().readerFor(JsonNode.class);

  private EventJson() {}

  /** The event as one JSON object (no line terminator). */
  public static String toJson(Event e) {
    StringBuilder sb = new StringBuilder(256);
    append(e, sb);
    return sb.toString();
  }

  /** Appends the event as one JSON object. */
  public static void append(Event e, StringBuilder sb) {
    if (e.person() != null) {
      Person p = e.person();
      sb.append("{\"type\":\"person\",\"id\":").append(p.id());
      str(sb, "name", p.name());
      str(sb, "emailAddress", p.emailAddress());
      str(sb, "creditCard", p.creditCard());
      str(sb, "city", p.city());
      str(sb, "state", p.state());
      sb.append(",\"dateTime\":").append(p.dateTime());
      str(sb, "extra", p.extra());
    } else if (e.auction() != null) {
      Auction a = e.auction();
      sb.append("{\"type\":\"auction\",\"id\":").append(a.id());
      str(sb, "itemName", a.itemName());
      str(sb, "description", a.description());
      sb.append(",\"initialBid\":").append(a.initialBid());
      sb.append(",\"reserve\":").append(a.reserve());
      sb.append(",\"dateTime\":").append(a.dateTime());
      sb.append(",\"expires\":").append(a.expires());
      sb.append(",\"seller\":").append(a.seller());
      sb.append(",\"category\":").append(a.category());
      str(sb, "extra", a.extra());
    } else {
      Bid b = e.bid();
      sb.append("{\"type\":\"bid\",\"auction\":").append(b.auction());
      sb.append(",\"bidder\":").append(b.bidder());
      sb.append(",\"price\":").append(b.price());
      str(sb, "channel", b.channel());
      str(sb, "url", b.url());
      sb.append(",\"dateTime\":").append(b.dateTime());
      str(sb, "extra", b.extra());
    }
    sb.append('}');
  }

  private static void str(StringBuilder sb, String name, String value) {
    sb.append(",\"").append(name).append("\":");
    if (value == null) {
      sb.append("null");
    } else {
      sb.append('"');
      JsonStringEncoder.getInstance().quoteAsString(value, sb);
      sb.append('"');
    }
  }

  /** Parses one line; throws {@link IllegalArgumentException} saying what is wrong. */
  public static Event parse(byte[] buf, int start, int end) throws IOException {
    JsonNode n = READER.readValue(buf, start, end - start);
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode type = n.get("type");
    if (type == null || !type.isTextual()) {
      throw new IllegalArgumentException("no \"type\" field (person, auction or bid)");
    }
    switch (type.textValue()) {
      case "person":
        return Event.of(new Person(num(n, "id"), text(n, "name"), text(n, "emailAddress"), text(n, "creditCard"),
            text(n, "city"), text(n, "state"), num(n, "dateTime"), text(n, "extra")));
      case "auction":
        return Event.of(new Auction(num(n, "id"), text(n, "itemName"), text(n, "description"), num(n, "initialBid"),
            num(n, "reserve"), num(n, "dateTime"), num(n, "expires"), num(n, "seller"), num(n, "category"),
            text(n, "extra")));
      case "bid":
        return Event.of(new Bid(num(n, "auction"), num(n, "bidder"), num(n, "price"), text(n, "channel"),
            text(n, "url"), num(n, "dateTime"), text(n, "extra")));
      default:
        throw new IllegalArgumentException("unknown type \"" + type.textValue() + "\" (person, auction or bid)");
    }
  }

  public static Event parse(String line) throws IOException {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  private static long num(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("field \"" + field + "\" must be an integer, was " + v);
    }
    return v.longValue();
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field \"" + field + "\" must be a string, was " + v);
    }
    return v.textValue();
  }

  /** Events from JSON-lines files (a file, directory or glob); bad lines by {@code policy}. */
  public static FileSource<Event> source(String input, BadRecordPolicy policy) {
    LineParser<Event> parser = (buf, start, end, out) -> {
      for (int i = start; i < end; i++) {
        byte c = buf[i];
        if (c != ' ' && c != '\t' && c != '\r') {
          out.collect(parse(buf, start, end));
          return;
        }
      }
      // blank line: nothing
    };
    return Sources.lines(input, parser).withBadRecordPolicy(policy);
  }

  /** Writes the first {@code config.maxEvents()} generated events, in id order, to {@code file}. */
  public static void generate(GeneratorConfig config, Path file) throws IOException {
    if (config.unbounded()) {
      throw new IllegalArgumentException("say how many events to write (--events N)");
    }
    NexmarkGenerator g = new NexmarkGenerator(config);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    StringBuilder sb = new StringBuilder(1 << 16);
    try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16)) {
      for (long id = 0; id < config.maxEvents(); id++) {
        append(g.event(id), sb);
        sb.append('\n');
        if (sb.length() > 60_000) {
          w.append(sb);
          sb.setLength(0);
        }
      }
      w.append(sb);
    }
  }
}
