/**
 * Durability of the embedded engine: the journal of external input written before it is
 * applied, and snapshots of the core taken at safe points, in a data directory.
 *
 * <p>Must not live here: decisions about what a run does — a journal records and replays, and a
 * restored run must continue exactly as the original. Not API.
 */
package dev.baton.runtime.internal.journal;
