package dev.baton.runtime;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a run: what happened, in numbers, plus the final global state. The CLI
 * prints it as text or JSON. {@code traceHash} identifies the exact sequence of work: two
 * runs with the same program, seed and faults have the same hash. {@code asks} lists each settled
 * {@code Ask} (its input, attempts, rejections and the value taken), the first {@link
 * #MAX_ASKS_LISTED} of {@code askCount}.
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
        List<String> deadlocks,
        long askCount,
        List<Map<String, Object>> asks) {

    /** At most this many Asks are listed in a report ({@code askCount} counts them all). */
    public static final int MAX_ASKS_LISTED = 1000;

    public RunReport {
        // a report written before deadlocks or Asks were reported has none
        if (deadlocks == null) deadlocks = List.of();
        if (asks == null) asks = List.of();
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
