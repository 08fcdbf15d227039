package dev.baton.runtime;

import java.util.List;
import java.util.Map;

/**
 * External events offered to a running engine (from standard input, a file, Kafka…). The
 * engine journals each batch durably before applying it and only then acknowledges it, so
 * an acknowledged event survives any crash.
 *
 * <p>Positions: every item comes from a {@code source} with a sequence number that grows within
 * it: a producer's own counter (standard input's default producer is "", others name
 * themselves), or a transport's offset ({@code topic/partition} for Kafka). The engine keeps
 * what it has applied of each source in its state — journaled with the events and in every
 * snapshot — so a resent item is a duplicate, acknowledged and not applied again, and after
 * a restart {@link #resume} tells the inbox where to continue: consumer progress lives with
 * the effects, never apart from them. A producer's numbers may arrive out of order (a number
 * skipped and sent later is applied then, once); a partition's are read in order. See
 * {@code InboxPositions} for the rules, and docs/operations.md for the producers' contract.
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
     * Why reading the input failed, so that what came after was not read (null while it has
     * not): a run whose inbox failed stops unfinished — resumable — and says so, never as if its
     * input had ended.
     */
    default String failure() {
        return null;
    }

    /**
     * Called after the item is durable and applied (rejection null), recognised as a resend of
     * one that is (null; only once the original is durable), or rejected with a reason.
     */
    default void acknowledge(Item item, String rejection) {
        acknowledge(item.seq(), rejection);
    }

    /** The single-source form of {@link #acknowledge(Item, String)}. */
    default void acknowledge(long seq, String rejection) {
    }
}
