/**
 * Implementation of the built-in file connectors behind {@code dev.sluice.io}. Internal: may change
 * without notice.
 */
package dev.sluice.core.io;
