package dev.sluice.core.io;

import java.io.Serializable;

/** The committable of a file sink writer: a finished staged file and the name it gets on commit. */
public record StagedPart(int partition, String stagedPath, String fileName) implements Serializable {}
