package dev.sluice.api;

import java.io.Serializable;
import java.util.Objects;

/**
 * Names a side output of an operator: a second stream of records next to its main output, such as
 * the elements a window received too late ({@link WindowedDataset#lateElementsTo})
 * or what a process function emits with {@code ctx.output(tag, value)}. Read it with
 * {@link Dataset#sideOutput(SideOutput)} on the operator's main output.
 *
 * @param name unique per operator
 * @param <T> the type of the side output's records (not checked at run time)
 */
public record SideOutput<T>(String name) implements Serializable {
  public SideOutput {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("side output name must not be blank");
    }
  }

  public static <T> SideOutput<T> of(String name) {
    return new SideOutput<>(name);
  }
}
