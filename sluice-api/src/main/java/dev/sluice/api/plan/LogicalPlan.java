package dev.sluice.api.plan;

import dev.sluice.api.codec.Codec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pipeline as data: its transforms in the order they were added (inputs always precede their
 * consumers), the codecs the user registered and the types allowed in serialized data.
 */
public record LogicalPlan(
    String name, List<Transform> transforms, Map<Class<?>, Codec<?>> codecs, Set<Class<?>> allowedTypes) {
  public LogicalPlan {
    transforms = List.copyOf(transforms);
    codecs = Map.copyOf(codecs);
    allowedTypes = Set.copyOf(allowedTypes);
  }

  public Transform transform(int id) {
    return transforms.get(id);
  }
}
