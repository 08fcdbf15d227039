package dev.baton.runtime;

import java.util.List;
import java.util.Map;

/**
 * External events offered to a running engine (from standard input, a file, Kafka…). The
 * engine journals each batch durably before applying it and only then acknowledges it, so
 * an acknowledged event survives any crash.
 *
 * <p>Positions: every item comes from a {@code source} (one per producer stream: "" for
 * standard input, {@code topic/partition} for Kafka) with a sequence number that grows within
 * it (a producer's counter, a Kafka offset). The engine keeps the last applied sequence of each
 * source in its state — journaled with the events and in every snapshot — so an item at or
 * below it is a duplicate and is dropped, and after a restart {@link #resume} tells the inbox
 * where to continue: consumer progress lives with the effects, never apart from them.
 */
public interface Inbox {
    /** One external event: its source and sequence number there, event name and JSON payload text. */
    record Item(String source, long seq, String event, String payloadJson) {
        /** An item of the single unnamed source (standard input, a file). */
        public Item(long seq, String event, String payloadJson) {
            this("", seq, event, payloadJson);
        }
    }

    /**
     * Called once before the first {@link #poll}, with the last applied sequence of every source
     * the engine has seen (empty on a fresh run): where to continue reading.
     */
    default void resume(Map<String, Long> applied) {
    }

    /** Events available now, without blocking (empty when none). */
    List<Item> poll();

    /** True once no more events will come. */
    boolean closed();

    /**
     * Called after the item is durable and applied (rejection null), dropped as a duplicate
     * (null), or rejected with a reason.
     */
    default void acknowledge(Item item, String rejection) {
        acknowledge(item.seq(), rejection);
    }

    /** The single-source form of {@link #acknowledge(Item, String)}. */
    default void acknowledge(long seq, String rejection) {
    }
}
