/** Implementation details of the API module. Not for users; may change without notice. */
package dev.sluice.api.internal;
