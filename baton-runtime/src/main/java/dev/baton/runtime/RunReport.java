package dev.baton.runtime;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a run: what happened, in numbers, plus the final global state. The CLI
 * prints it as text or JSON. {@code traceHash} identifies the exact sequence of work: two
 * runs with the same program, seed and faults have the same hash.
 */
public record RunReport(
        String program,
        String engine,
        long seed,
        String faults,
        String stopReason,
        long engineTimeMs,
        long wallTimeMs,
        boolean resumed,
        Map<String, Object> counters,
        Map<String, Long> events,
        Map<String, Long> workflows,
        Map<String, Object> globals,
        Map<String, Map<String, Object>> modules,
        List<String> errors,
        long errorCount,
        String traceHash,
        Map<String, Object> report,
        List<String> failures,
        long failureCount,
        List<String> deadlocks) {

    public RunReport {
        // a report written before deadlocks were reported has none
        if (deadlocks == null) deadlocks = List.of();
    }

    /** Names of the program's {@code Report { invariants: { … } }} entries that are not true. */
    @SuppressWarnings("unchecked")
    public List<String> failedInvariants() {
        List<String> out = new java.util.ArrayList<>();
        if (report != null && report.get("invariants") instanceof Map<?, ?> inv) {
            ((Map<String, Object>) inv).forEach((k, v) -> {
                if (!Boolean.TRUE.equals(v)) out.add(k);
            });
        }
        return out;
    }
}
