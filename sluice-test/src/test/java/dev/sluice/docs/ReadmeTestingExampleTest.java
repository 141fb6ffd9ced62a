package dev.sluice.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.api.Pipeline;
import dev.sluice.api.function.Collector;
import dev.sluice.api.function.KeyedProcessFunction;
import dev.sluice.api.state.StateSpec;
import dev.sluice.api.state.ValueState;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import dev.sluice.test.KeyedProcessFunctionHarness;
import dev.sluice.test.PipelineHarness;
import dev.sluice.test.TestSink;
import dev.sluice.test.TestStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The "Testing your pipelines" example in README.md, verbatim: it must compile and do what it says.
 */
class ReadmeTestingExampleTest {

  // One keyed function, element by element: output, side outputs, state and timers.
  static class Dedup extends KeyedProcessFunction<String, String, String> {
    static final StateSpec<ValueState<Boolean>> SEEN = StateSpec.value("seen");
    private ValueState<Boolean> seen;

    @Override public void open(InitContext ctx) { seen = ctx.state(SEEN); }

    @Override public void processElement(String v, Context<String> ctx, Collector<String> out) {
      if (seen.value() == null) {
        seen.update(true);
        out.collect(v);
      }
    }
  }

  @Test
  void keyedFunctionExample() {

    var h = KeyedProcessFunctionHarness.of(new Dedup(), (String s) -> s);
    h.processElement("a", 1).processElement("a", 2).processElement("b", 3);
    h.assertOutputValues("a", "b");
    assertEquals(Boolean.TRUE, h.value(Dedup.SEEN, "a"));
  }

  @Test
  void pipelineExample() {

    // A whole pipeline in streaming mode, on a scripted stream of timestamps and watermarks.
    PipelineHarness ph = PipelineHarness.create();
    Pipeline p = Pipeline.create("clicks");
    TestStream<String> clicks = TestStream.<String>create()
        .add("ann", 1_000).add("bob", 2_000).add("ann", 3_000)
        .advanceWatermarkTo(10_000)
        .add("ann", 4_000)                                   // late: the window has fired
        .advanceWatermarkToInfinity();
    TestSink<Windowed<String, Long>> counts = ph.collect(
        p.read(clicks).keyBy(u -> u).window(Windows.tumbling(Duration.ofSeconds(10))).count());
    ph.run(p);
    counts.assertValuesInAnyOrder(
        new Windowed<>("ann", new Window(0, 10_000), 2L),
        new Windowed<>("bob", new Window(0, 10_000), 1L));
  }

  @Test
  void readmeShowsThisCode() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String section = readme.substring(readme.indexOf("## Testing your pipelines"));
    String code = section.substring(section.indexOf("```java") + 7, section.indexOf("```", section.indexOf("```java") + 7));
    String test = Files.readString(Path.of("src/test/java/dev/sluice/docs/ReadmeTestingExampleTest.java"));
    for (String line : code.split("\n")) {
      if (!line.isBlank()) {
        assertTrue(test.contains(line.strip()), "README line not in this test: " + line.strip());
      }
    }
  }

}
