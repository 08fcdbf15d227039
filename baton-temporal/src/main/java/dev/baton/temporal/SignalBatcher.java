package dev.baton.temporal;

import dev.baton.runtime.Inbox;

import java.util.ArrayList;
import java.util.List;

/**
 * Gathers a run's external events into signals the way Temporal wants them: few and bounded.
 * Every signal is an event in the workflow's history and a workflow task, and Temporal advises a
 * handful of signals per second per workflow, so a trickle of events is coalesced — a batch
 * leaves at most every {@code interval} — while a flood leaves in full batches, each below
 * {@code maxBytes} of payload (a signal is one payload, and a cluster refuses payloads above
 * 2 MiB) and {@code maxEvents} events. An event that alone is larger than {@code maxBytes} can
 * never be signalled: {@link #add} says so, and the caller rejects it with that reason.
 */
final class SignalBatcher {
    /** Bytes counted for an event on top of its payload: event name, source, sequence, JSON framing. */
    static final int OVERHEAD = 64;

    private final long intervalNanos;
    private final long maxBytes;
    private final int maxEvents;
    private final List<SignalItem> items = new ArrayList<>();
    private final List<Inbox.Item> sources = new ArrayList<>();
    private long bytes;
    private long lastSentNanos = Long.MIN_VALUE / 2;

    SignalBatcher(long intervalNanos, long maxBytes, int maxEvents) {
        this.intervalNanos = intervalNanos;
        this.maxBytes = maxBytes;
        this.maxEvents = maxEvents;
    }

    /** A batch to send now, with the inbox items it carries (to acknowledge once sent). */
    record Batch(List<SignalItem> items, List<Inbox.Item> sources) {
    }

    static long size(Inbox.Item item) {
        return (long) item.payloadJson().length() + item.event().length() + item.source().length() + OVERHEAD;
    }

    /**
     * Adds {@code item}; returns the batch that must leave first to make room (or that is full
     * with it), else null.
     *
     * @throws IllegalArgumentException when the event alone is larger than a signal may be
     */
    Batch add(Inbox.Item item) {
        long size = size(item);
        if (size > maxBytes) {
            throw new IllegalArgumentException("the event is " + size / 1024 + " KiB, more than a signal to the Temporal run may carry ("
                    + maxBytes / 1024 + " KiB)");
        }
        Batch before = bytes + size > maxBytes ? take() : null;
        items.add(new SignalItem(item.source(), item.seq(), item.event(), item.payloadJson()));
        sources.add(item);
        bytes += size;
        if (before == null && items.size() >= maxEvents) return take();
        return before;
    }

    /** The gathered batch if {@code interval} has passed since the last one left (or {@code force}), else null. */
    Batch due(long nowNanos, boolean force) {
        if (items.isEmpty()) return null;
        if (!force && nowNanos - lastSentNanos < intervalNanos) return null;
        return take();
    }

    /** Records that a batch left at {@code nowNanos}: the next coalesced one waits a full interval. */
    void sent(long nowNanos) {
        lastSentNanos = nowNanos;
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    private Batch take() {
        Batch b = new Batch(new ArrayList<>(items), new ArrayList<>(sources));
        items.clear();
        sources.clear();
        bytes = 0;
        return b;
    }
}
