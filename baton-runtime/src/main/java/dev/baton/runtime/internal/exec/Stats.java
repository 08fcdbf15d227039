package dev.baton.runtime.internal.exec;

import java.util.Map;
import java.util.TreeMap;

/** The run's counters, for reports and {@code stat()} (all in a snapshot). */
public final class Stats {
    public long eventsEmitted;
    /** Alias kept for reports: decisions are AI proposals. */
    public long proposals;
    public long loadEvents;
    public long handlerRuns;
    public long handlerFailures;
    public long ticks;
    public long ticksSkipped;
    public long callsSent;
    /** Calls to /execute endpoints: work that changes state (queries are background). */
    public long commandCalls;
    public long callRetries;
    public long callsFailed;
    public long callsDeduplicated;
    public long callsFenced;
    public long messagesDropped;
    public long messagesDuplicated;
    public long messagesDelayed;
    /** Messages slowed by a latency spike ({@code --faults spike=Module}). */
    public long messagesSpiked;
    public long crashes;
    /** Always 0 since events are durable (kept for snapshots written before). */
    public long eventsLostToCrashes;
    /** Events that reached an instance while it was down, held and delivered when it was back. */
    public long eventsHeldWhileDown;
    /** Event deliveries lost on the (simulated) network and sent again ({@code drop}). */
    public long eventsRedelivered;
    /** Event deliveries that came twice ({@code duplicate}), the copy recognised and discarded. */
    public long eventsDeduplicated;
    public long workflowsStarted;
    public long workflowsCompleted;
    public long workflowsFailed;
    public long workflowsCancelled;
    public long sagasCompensating;
    public long compensationRetries;
    /** Retries of a saga's step before its pivot ({@code Step X [retry: n]}), before any compensation. */
    public long stepRetries;
    public long locksGranted;
    public long leasesExpired;
    public long decisions;
    public long decisionsRejected;
    public long hallucinations;
    public long errors;
    /** Deadlocks found (each resolved by failing one of its waits). */
    public long deadlocks;
    public long failures;

    private static final java.lang.reflect.Field[] COUNTERS = java.util.Arrays.stream(Stats.class.getFields())
            .filter(f -> f.getType() == long.class).toArray(java.lang.reflect.Field[]::new);

    /** Adds every counter of {@code other} to this one's. */
    public void add(Stats other) {
        try {
            for (java.lang.reflect.Field field : COUNTERS) field.setLong(this, field.getLong(this) + field.getLong(other));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The counters that moved since {@code before} (a copy taken then), by name, and by how much. */
    TreeMap<String, Long> since(Stats before) {
        TreeMap<String, Long> out = new TreeMap<>();
        try {
            for (java.lang.reflect.Field field : COUNTERS) {
                long delta = field.getLong(this) - field.getLong(before);
                if (delta != 0) out.put(field.getName(), delta);
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Adds {@code deltas} (see {@link #since}) to these counters. */
    void add(Map<String, Long> deltas) {
        try {
            for (java.lang.reflect.Field field : COUNTERS) {
                Long delta = deltas.get(field.getName());
                if (delta != null) field.setLong(this, field.getLong(this) + delta);
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A counter's field name for its report name ({@code calls_sent} → {@code callsSent}). */
    static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }
}
