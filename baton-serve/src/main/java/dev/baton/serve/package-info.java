/**
 * {@code baton serve}: a running program as a live service — HTTP API (OpenAPI-described),
 * idempotent commands, the event stream, metrics, and the console — over either backend
 * (embedded or Temporal).
 *
 * <p>Must not live here: engine logic (a backend drives the engine on its own thread), or
 * anything that lets a request change a run other than through the engine's inputs.
 */
package dev.baton.serve;
