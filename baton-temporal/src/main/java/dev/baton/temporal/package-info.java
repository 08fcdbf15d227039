/**
 * The Temporal engine: a program run as a Temporal workflow (the core inside it, replayed
 * deterministically), effects as activities, child workflows for runs apart, hot batches, and
 * the live handle a service uses.
 *
 * <p>Must not live here: a second interpreter — the workflow runs the same core as the embedded
 * engine, so both give the same trace.
 */
package dev.baton.temporal;
