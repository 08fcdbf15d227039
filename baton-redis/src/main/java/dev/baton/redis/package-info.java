/**
 * Redis for Baton: the shared state store behind hot modules (compare-and-set records), state
 * published for other readers, and a local server for tests and {@code baton up}.
 *
 * <p>Must not live here: engine logic; what a record means is the runtime's.
 */
package dev.baton.redis;
