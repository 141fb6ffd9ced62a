package dev.sluice.api.source;

import java.io.Serializable;

/** A part of a source's input that one task reads, e.g. a byte range of a file. Immutable. */
public interface SourceSplit extends Serializable {
  /** A stable id, unique within the source, for messages and progress. */
  String id();

  /** The size in bytes if known (for progress), else -1. */
  default long sizeBytes() {
    return -1;
  }
}
