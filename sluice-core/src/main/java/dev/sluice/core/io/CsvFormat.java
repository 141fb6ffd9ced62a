package dev.sluice.core.io;

import dev.sluice.io.LineParser;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * CSV (RFC 4180, comma-separated) with a header row in each file's first line. Every physical line
 * is one record: quoted fields may contain commas and doubled quotes ({@code ""}), but not line
 * breaks (such a record is reported as bad). This is what lets CSV files be split at line
 * boundaries exactly like text files; a split that does not start at offset 0 reads the header from
 * the file's first line when it opens. Empty lines are skipped. A row whose column count differs
 * from the header's is a bad record.
 *
 * <p>Parsing works on the line's UTF-8 bytes: lines without a quote are split on commas directly;
 * lines with quotes go through a strict RFC 4180 field splitter. commons-csv is not used per line:
 * it is lenient about stray quotes (so a record broken by a quoted line break would silently turn
 * into a wrong row) and building a parser per line costs more than the split itself.
 */
public final class CsvFormat<T> implements LineFormat<T> {
  private static final int MAX_HEADER = 1 << 20;

  private final Class<? extends Record> recordType;

  private CsvFormat(Class<? extends Record> recordType) {
    this.recordType = recordType;
  }

  public static CsvFormat<Map<String, String>> maps() {
    return new CsvFormat<>(null);
  }

  public static <R extends Record> CsvFormat<R> records(Class<R> type) {
    RecordBinding.checkSupported(type);
    return new CsvFormat<>(type);
  }

  @Override
  public boolean hasHeader() {
    return true;
  }

  @Override
  @SuppressWarnings("unchecked")
  public LineParser<T> open(Path file) throws IOException {
    String[] header = readHeader(file);
    if (header == null) {
      return (buf, start, end, out) -> { }; // empty file: no header, no rows
    }
    Set<String> seen = new HashSet<>();
    for (String h : header) {
      if (!seen.add(h)) {
        throw new IllegalArgumentException("CSV file " + file + " has the column '" + h
            + "' twice in its header; rename one of them");
      }
    }
    if (recordType == null) {
      return (LineParser<T>) (LineParser<Map<String, String>>) (buf, start, end, out) -> {
        if (start == end) {
          return;
        }
        String[] fields = fields(buf, start, end, header);
        Map<String, String> row = new LinkedHashMap<>((int) (header.length / 0.75f) + 1);
        for (int i = 0; i < header.length; i++) {
          row.put(header[i], fields[i]);
        }
        out.collect(row);
      };
    }
    RecordBinding binding = RecordBinding.bind(recordType, header, file);
    return (buf, start, end, out) -> {
      if (start == end) {
        return;
      }
      out.collect((T) binding.create(fields(buf, start, end, header)));
    };
  }

  /** Splits one line into exactly header.length fields, or throws. */
  static String[] fields(byte[] buf, int start, int end, String[] header) {
    String[] fields = split(buf, start, end);
    if (fields.length != header.length) {
      throw new IllegalArgumentException("expected " + header.length + " columns "
          + String.join(",", header) + ", found " + fields.length);
    }
    return fields;
  }

  static String[] split(byte[] buf, int start, int end) {
    int commas = 0;
    boolean quoted = false;
    for (int i = start; i < end; i++) {
      byte b = buf[i];
      if (b == ',') {
        commas++;
      } else if (b == '"') {
        quoted = true;
        break;
      }
    }
    if (!quoted) {
      String[] fields = new String[commas + 1];
      int f = 0;
      int from = start;
      for (int i = start; i < end; i++) {
        if (buf[i] == ',') {
          fields[f++] = new String(buf, from, i - from, StandardCharsets.UTF_8);
          from = i + 1;
        }
      }
      fields[f] = new String(buf, from, end - from, StandardCharsets.UTF_8);
      return fields;
    }
    return splitQuoted(buf, start, end);
  }

  /**
   * Strict RFC 4180 for one line: a quoted field runs to its closing quote ({@code ""} inside is a
   * quote) and must be followed by a comma or the end of the line; a quote inside an unquoted field
   * is an error. Strictness is what exposes the halves of a record whose quoted field held a line
   * break: the first half has an unterminated quote, the second a stray one. Works on UTF-8 bytes:
   * ',' and '"' never occur inside a multi-byte sequence.
   */
  private static String[] splitQuoted(byte[] buf, int start, int end) {
    List<String> fields = new ArrayList<>();
    byte[] scratch = null;
    int i = start;
    while (true) {
      if (i < end && buf[i] == '"') {
        if (scratch == null) {
          scratch = new byte[end - start];
        }
        int len = 0;
        int j = i + 1;
        while (true) {
          if (j >= end) {
            throw new IllegalArgumentException("unterminated quoted field in column "
                + (fields.size() + 1) + " (line breaks inside quoted fields are not supported)");
          }
          byte b = buf[j];
          if (b == '"') {
            if (j + 1 < end && buf[j + 1] == '"') {
              scratch[len++] = '"';
              j += 2;
              continue;
            }
            j++;
            break;
          }
          scratch[len++] = b;
          j++;
        }
        fields.add(new String(scratch, 0, len, StandardCharsets.UTF_8));
        if (j == end) {
          return fields.toArray(new String[0]);
        }
        if (buf[j] != ',') {
          throw new IllegalArgumentException("unexpected text after the closing quote of column "
              + fields.size());
        }
        i = j + 1;
      } else {
        int j = i;
        while (j < end && buf[j] != ',') {
          if (buf[j] == '"') {
            throw new IllegalArgumentException("quote inside unquoted column " + (fields.size() + 1)
                + "; quote the whole field and double the quote (\"\")");
          }
          j++;
        }
        fields.add(new String(buf, i, j - i, StandardCharsets.UTF_8));
        if (j == end) {
          return fields.toArray(new String[0]);
        }
        i = j + 1;
      }
    }
  }

  /** Reads and parses the file's first line; null for an empty file. */
  static String[] readHeader(Path file) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = new BufferedInputStream(
            file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw, 8192)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (line.size() >= MAX_HEADER) {
          throw new IllegalArgumentException("CSV file " + file + " has a first line longer than "
              + MAX_HEADER + " bytes; is it really CSV with a header row?");
        }
        line.write(b);
      }
      byte[] bytes = line.toByteArray();
      if (bytes.length == 0 && b < 0) {
        return null;
      }
      int start = 0;
      int end = bytes.length;
      if (end >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
        start = 3;
      }
      if (end > start && bytes[end - 1] == '\r') {
        end--;
      }
      String[] names;
      try {
        names = split(bytes, start, end);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("CSV file " + file + " has a malformed header line: "
            + e.getMessage(), e);
      }
      for (int i = 0; i < names.length; i++) {
        names[i] = names[i].strip();
      }
      return names;
    }
  }
}
