package dev.sluice.core.plan;

import java.util.List;

/**
 * A set of transforms fused into one chain of plain method calls, run as one task per source split
 * (source stages) or per partition (stages fed by exchanges).
 *
 * @param id index in {@link PhysicalPlan#stages()}; stages are in an order where producers come first
 * @param parallelism partitions of an exchange-fed stage; concurrent tasks of a source stage
 * @param transforms the fused transforms in topological order
 * @param sources the Read transforms driving this stage (empty for exchange-fed stages)
 * @param inputs ids of the exchanges feeding this stage
 * @param outputs ids of the exchanges this stage writes
 */
public record StageSpec(
    int id, int parallelism, List<Integer> transforms, List<Integer> sources, List<Integer> inputs, List<Integer> outputs) {
  public StageSpec {
    transforms = List.copyOf(transforms);
    sources = List.copyOf(sources);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public boolean sourceDriven() {
    return !sources.isEmpty();
  }
}
