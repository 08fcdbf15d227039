package dev.baton.runtime;

/** A live view of a run, for progress lines and dashboards. */
public record Progress(long engineTimeMs, long wallTimeMs, long events, double eventsPerSecond, int instances,
                       long workflowsInFlight, long errors) {
}
