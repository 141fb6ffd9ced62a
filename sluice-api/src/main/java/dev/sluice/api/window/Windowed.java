package dev.sluice.api.window;

import java.io.Serializable;

/** The result of a window for one key. Emitted again, updated, when late elements arrive within the allowed lateness. */
public record Windowed<K, V>(K key, Window window, V value) implements Serializable {}
