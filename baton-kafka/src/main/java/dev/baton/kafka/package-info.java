/**
 * Kafka for Baton: the event bus that publishes emitted events to a topic and the inbox that
 * takes external events from one, exactly once per (source, sequence).
 *
 * <p>Must not live here: engine logic; a Kafka client is the only dependency beyond the runtime.
 */
package dev.baton.kafka;
