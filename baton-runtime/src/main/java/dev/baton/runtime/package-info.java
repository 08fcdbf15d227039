/**
 * The runtime's API for engines and tools: the embedded engine, its options and report,
 * fault settings, the seams an engine plugs into (event bus, inbox, state store, decision
 * provider, journal, clock), and read-only inspection of a run.
 *
 * <p>Must not live here: the core's internals (see {@code internal.exec}) or anything tied to
 * one outside system (Temporal, Redis, Kafka have modules of their own).
 */
package dev.baton.runtime;
