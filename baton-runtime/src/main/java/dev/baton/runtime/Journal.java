package dev.baton.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * An append-only log of records with group commit: {@link #append} buffers, {@link #force}
 * makes everything appended so far durable with one sync. A record that was not forced may
 * be lost in a crash; a forced one never is. A torn tail (a write a crash cut short) is cut
 * off on opening; damage elsewhere is reported, never cut off silently (see the file journal).
 */
public interface Journal extends Closeable {
    /** One record and where it sits. */
    record Entry(long position, long next, byte[] data) {
    }

    /** Buffers a record; returns the position just after it. */
    long append(byte[] record) throws IOException;

    /** Writes and syncs every buffered record. */
    void force() throws IOException;

    /** Takes one record as it is read. */
    @FunctionalInterface
    interface RecordConsumer {
        void accept(Entry entry) throws IOException;
    }

    /** Reads the durable records that start at or after {@code position}, in order, one at a time. */
    void forEachFrom(long position, RecordConsumer each) throws IOException;

    /** The durable records that start at or after {@code position}, all in memory (for tools and tests). */
    default List<Entry> readFrom(long position) throws IOException {
        List<Entry> out = new java.util.ArrayList<>();
        forEachFrom(position, out::add);
        return out;
    }

    /** Position after the last durable record. */
    long durableSize();
}
