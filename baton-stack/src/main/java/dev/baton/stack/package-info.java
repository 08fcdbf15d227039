/**
 * {@code baton up}: the local stack — Temporal's server, Kafka and Redis — started as child
 * processes on 127.0.0.1 for development and tests.
 *
 * <p>Must not live here: anything a production deployment would depend on.
 */
package dev.baton.stack;
