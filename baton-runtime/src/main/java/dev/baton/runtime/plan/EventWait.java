package dev.baton.runtime.plan;

/** An instruction that waits for an event; the engine evaluates {@link #where()} against each candidate. */
public interface EventWait {
    /** The filter over the candidate event's payload, or null to take the next one. */
    Ev where();
}
