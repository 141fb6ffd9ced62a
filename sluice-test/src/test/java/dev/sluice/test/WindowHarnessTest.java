package dev.sluice.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.SideOutput;
import dev.sluice.api.window.Window;
import dev.sluice.api.window.Windowed;
import dev.sluice.api.window.Windows;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Runs once sluice-core has the window operator (issue 3); skipped before. */
class WindowHarnessTest {
  static final SideOutput<String> LATE = SideOutput.of("late");

  @Test
  void tumblingCountFiresAtTheWatermarkAndLateElementsGoToTheSideOutput() {
    var h = WindowHarness.of((String s) -> s.substring(0, 1), Windows.tumbling(Duration.ofMillis(10)))
        .lateElementsTo(LATE)
        .count();
    h.processElement("a1", 1).processElement("a2", 3).processElement("b1", 12);
    h.processWatermark(9);
    h.assertOutputValues(new Windowed<>("a", new Window(0, 10), 2L));
    assertThat(h.output().get(0).timestamp()).isEqualTo(9);
    h.processElement("a3", 4);
    h.assertSideOutputValues(LATE, "a3");
    h.clearOutput().endInput();
    h.assertOutputValues(new Windowed<>("b", new Window(10, 20), 1L));
    assertThatThrownBy(() -> h.assertOutputValues(new Windowed<>("b", new Window(10, 20), 2L)))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void processFunctionSeesTheWholeWindow() {
    WindowHarness<String, String> h = WindowHarness.of((String s) -> s.substring(0, 1), Windows.tumbling(Duration.ofMillis(10)))
        .process((String key, Window w, Iterable<String> elements, dev.sluice.api.function.Collector<String> out) -> {
          StringBuilder sb = new StringBuilder(key).append(w);
          elements.forEach(sb::append);
          out.collect(sb.toString());
        });
    h.processElement("a1", 1).processElement("a2", 2).processWatermark(20);
    h.assertOutputValues("a[0, 10)a1a2");
  }

}
