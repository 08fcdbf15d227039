package dev.baton.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * An append-only log of records with group commit: {@link #append} buffers, {@link #force}
 * makes everything appended so far durable with one sync. A record that was not forced may
 * be lost in a crash; a forced one never is. Reading stops at the first torn or corrupt
 * record, which recovery truncates.
 */
public interface Journal extends Closeable {
    /** One record and where it sits. */
    record Entry(long position, long next, byte[] data) {
    }

    /** Buffers a record; returns the position just after it. */
    long append(byte[] record) throws IOException;

    /** Writes and syncs every buffered record. */
    void force() throws IOException;

    /** The records from {@code position} to the end (durable ones only). */
    List<Entry> readFrom(long position) throws IOException;

    /** Position after the last durable record. */
    long durableSize();
}
