package dev.baton.runtime.plan;

import java.util.List;

/** Locks held by a fiber (one {@code Lock} statement). Plain data (snapshotted). */
public final class LockFrame {
    public final List<String> keys;
    public final long token;
    /** Set when the lease expired and the keys went to someone else: writes under this lock are refused. */
    public boolean revoked;

    public LockFrame(List<String> keys, long token) {
        this.keys = List.copyOf(keys);
        this.token = token;
    }
}
