/**
 * Built-in connectors: file sources ({@link dev.sluice.io.Sources}) and sinks
 * ({@link dev.sluice.io.Sinks}). Public API; the implementation lives in {@code dev.sluice.core.io}.
 */
package dev.sluice.io;
