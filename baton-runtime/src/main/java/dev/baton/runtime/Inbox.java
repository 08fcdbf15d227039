package dev.baton.runtime;

import java.util.List;

/**
 * External events offered to a running engine (from standard input, a file, HTTP…). The
 * engine journals each batch durably before applying it and only then acknowledges it, so
 * an acknowledged event survives any crash; a producer that resends an event it saw no
 * acknowledgement for is de-duplicated by the event's sequence number.
 */
public interface Inbox {
    /** One external event: its producer sequence number, event name and JSON payload text. */
    record Item(long seq, String event, String payloadJson) {
    }

    /** Events available now, without blocking (empty when none). */
    List<Item> poll();

    /** True once no more events will come. */
    boolean closed();

    /** Called after the events up to {@code seq} are durable and accepted (or rejected with a reason). */
    void acknowledge(long seq, String rejection);
}
