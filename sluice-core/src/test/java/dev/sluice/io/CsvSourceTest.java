package dev.sluice.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.source.BadRecordException;
import dev.sluice.api.source.BadRecordPolicy;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {
  @TempDir Path dir;

  enum Color { RED, GREEN }

  record Row(String name, int n, long big, double d, boolean flag, Integer boxed, BigDecimal price,
      LocalDate day, Color color) {}

  record Person(String name, int age) {}

  record WithList(List<String> names) {}

  private Path file(String content) throws Exception {
    Path p = dir.resolve("f.csv");
    Files.writeString(p, content);
    return p;
  }

  @Test
  void rowsAsMapsInHeaderOrderWithQuotedFields() throws Exception {
    Path f = file("b,a,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n2,,\n");
    List<Map<String, String>> rows = SourceHarness.readAll(Sources.csv(f.toString()));
    assertThat(rows).containsExactly(
        Map.of("b", "1", "a", "x, y", "c", "say \"hi\""),
        Map.of("b", "2", "a", "", "c", ""));
    assertThat(rows.get(0).keySet()).containsExactly("b", "a", "c");
  }

  @Test
  void laterSplitsKnowTheHeader() throws Exception {
    StringBuilder csv = new StringBuilder("id,word\n");
    for (int i = 0; i < 50; i++) {
      csv.append(i).append(",w").append(i).append('\n');
    }
    Path f = file(csv.toString());
    SourceHarness.Result<Map<String, String>> result =
        SourceHarness.read(Sources.csv(f.toString()).withSplitSize(17), 4);
    assertThat(result.splits().size()).isGreaterThan(10);
    assertThat(result.all()).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(result.all().get(i)).isEqualTo(Map.of("id", "" + i, "word", "w" + i));
    }
  }

  @Test
  void recordsBindColumnsByNameAndConvertValues() throws Exception {
    Path f = file("color,day,price,boxed,flag,d,big,n,name,extra\n"
        + "RED,2024-02-29,12.50,7,true,1.5,10000000000,3,ann,ignored\n"
        + "green,2024-01-01,0,,FALSE,-2,0,-1,\"b, c\",\n");
    List<Row> rows = SourceHarness.readAll(Sources.csv(f.toString(), Row.class));
    assertThat(rows).containsExactly(
        new Row("ann", 3, 10_000_000_000L, 1.5, true, 7, new BigDecimal("12.50"),
            LocalDate.of(2024, 2, 29), Color.RED),
        new Row("b, c", -1, 0, -2, false, null, BigDecimal.ZERO, LocalDate.of(2024, 1, 1), Color.GREEN));
  }

  @Test
  void unconvertibleValuesAreBadRecordsNamingColumnAndValue() throws Exception {
    Path f = file("name,age\nann,41\nbob,forty\ncid,\ndan,7\n");
    FileSource<Person> source = Sources.csv(f.toString(), Person.class);
    assertThatThrownBy(() -> SourceHarness.readAll(source))
        .isInstanceOf(BadRecordException.class)
        .hasMessageContaining("file " + f + ", line 3 (byte 16)")
        .hasMessageContaining("column 'age': cannot convert \"forty\" to int");

    SourceHarness.Result<Person> dead =
        SourceHarness.read(source.withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER), 1);
    assertThat(dead.all()).containsExactly(new Person("ann", 41), new Person("dan", 7));
    assertThat(dead.context().deadLetters).extracting(d -> d.raw()).containsExactly("bob,forty", "cid,");
    assertThat(dead.context().deadLetters.get(1).reason())
        .contains("column 'age'").contains("empty value");
  }

  @Test
  void wrongColumnCountIsABadRecord() throws Exception {
    Path f = file("name,age\nann,41\nbob\ncid,1,2\n\"unterminated,3\n");
    SourceHarness.Result<Map<String, String>> result =
        SourceHarness.read(Sources.csv(f.toString()).withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER), 1);
    assertThat(result.all()).containsExactly(Map.of("name", "ann", "age", "41"));
    assertThat(result.context().deadLetters).extracting(d -> d.reason()).containsExactly(
        "expected 2 columns name,age, found 1",
        "expected 2 columns name,age, found 3",
        result.context().deadLetters.get(2).reason());
    assertThat(result.context().deadLetters.get(2).raw()).isEqualTo("\"unterminated,3");
  }

  @Test
  void aMissingColumnFailsWhenTheReaderOpensNotAsABadRecord() throws Exception {
    Path f = file("name,years\nann,41\n");
    FileSource<Person> source = Sources.csv(f.toString(), Person.class)
        .withBadRecordPolicy(BadRecordPolicy.SKIP);
    assertThatThrownBy(() -> SourceHarness.readAll(source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CSV file " + f)
        .hasMessageContaining("no column 'age'")
        .hasMessageContaining("[name,years]");
  }

  @Test
  void columnNamesMatchIgnoringCaseAndSurroundingSpace() throws Exception {
    Path f = file("Name , AGE\nann,41\n");
    assertThat(SourceHarness.readAll(Sources.csv(f.toString(), Person.class)))
        .containsExactly(new Person("ann", 41));
  }

  @Test
  void unsupportedComponentTypesFailWhenTheSourceIsCreated() {
    assertThatThrownBy(() -> Sources.csv("x.csv", WithList.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("component 'names'")
        .hasMessageContaining("java.util.List");
  }

  @Test
  void headerOnlyAndEmptyFilesHaveNoRows() throws Exception {
    Path f = file("name,age\n");
    assertThat(SourceHarness.readAll(Sources.csv(f.toString(), Person.class))).isEmpty();
    Path empty = file("");
    assertThat(SourceHarness.readAll(Sources.csv(empty.toString(), Person.class))).isEmpty();
  }

  @Test
  void gzipFilesHaveTheirHeaderToo() throws Exception {
    Path gz = dir.resolve("p.csv.gz");
    try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write("name,age\r\nann,41\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThat(SourceHarness.readAll(Sources.csv(gz.toString(), Person.class)))
        .containsExactly(new Person("ann", 41));
  }

  @Test
  void quotedLineBreaksAreNotSupportedAndReportedAsBadRecords() throws Exception {
    Path f = file("name,age\n\"two\nlines\",1\nok,2\n");
    SourceHarness.Result<Person> result = SourceHarness.read(
        Sources.csv(f.toString(), Person.class).withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER), 1);
    assertThat(result.all()).containsExactly(new Person("ok", 2));
    assertThat(result.context().deadLetters).extracting(d -> d.raw())
        .containsExactly("\"two", "lines\",1");
  }

  @Test
  void randomCsvWrittenByCommonsCsvReadsBackExactlyAtAnySplitSize() throws Exception {
    String[] pieces = {"a", "1", " ", ",", "\"", "é", "日", "😀", "x y", "\"\""};
    for (long seed = 0; seed < 60; seed++) {
      java.util.Random random = new java.util.Random(seed);
      int columns = 1 + random.nextInt(4);
      List<String> header = new java.util.ArrayList<>();
      for (int c = 0; c < columns; c++) {
        header.add("c" + c);
      }
      List<Map<String, String>> expected = new java.util.ArrayList<>();
      StringBuilder csv = new StringBuilder();
      try (org.apache.commons.csv.CSVPrinter printer =
          new org.apache.commons.csv.CSVPrinter(csv, org.apache.commons.csv.CSVFormat.RFC4180)) {
        printer.printRecord(header);
        int rows = random.nextInt(20);
        for (int r = 0; r < rows; r++) {
          Map<String, String> row = new java.util.LinkedHashMap<>();
          for (String h : header) {
            StringBuilder v = new StringBuilder();
            int n = random.nextInt(4);
            for (int k = 0; k < n; k++) {
              v.append(pieces[random.nextInt(pieces.length)]);
            }
            row.put(h, v.toString());
          }
          if (columns == 1 && row.get("c0").isEmpty()) {
            continue; // a lone empty field is an empty line, which CSV skips
          }
          expected.add(row);
          printer.printRecord(row.values());
        }
      }
      Path f = file(csv.toString());
      long splitSize = 1 + random.nextInt(40);
      assertThat(SourceHarness.readAll(Sources.csv(f.toString()).withSplitSize(splitSize)))
          .as("seed %d, split size %d, csv %s", seed, splitSize, csv)
          .isEqualTo(expected);
    }
  }

  @Test
  void strayQuotesAreBadRecordsWithAClearReason() throws Exception {
    Path f = file("a,b\nx\"y,1\n\"q\"z,2\n");
    SourceHarness.Result<Map<String, String>> result =
        SourceHarness.read(Sources.csv(f.toString()).withBadRecordPolicy(BadRecordPolicy.DEAD_LETTER), 1);
    assertThat(result.all()).isEmpty();
    assertThat(result.context().deadLetters).extracting(d -> d.reason()).containsExactly(
        "quote inside unquoted column 1; quote the whole field and double the quote (\"\")",
        "unexpected text after the closing quote of column 1");
  }

  @Test
  void duplicateHeaderColumnsAreRefused() throws Exception {
    Path f = file("a,a\n1,2\n");
    assertThatThrownBy(() -> SourceHarness.readAll(Sources.csv(f.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column 'a' twice");
  }
}
