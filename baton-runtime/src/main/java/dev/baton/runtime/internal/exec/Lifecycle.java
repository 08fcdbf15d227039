package dev.baton.runtime.internal.exec;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lifecycles of instances and workflows as transition tables. Every state change goes
 * through {@link #move}, which refuses a transition the table does not list (an engine bug)
 * and records that it was exercised, so a test can fail when one never is.
 */
public final class Lifecycle {
    public static final Lifecycle INSTANCE = new Lifecycle("instance", Map.of(
            "CREATED", Set.of("IDLE"),
            "IDLE", Set.of("RUNNING", "CRASHED"),
            "RUNNING", Set.of("IDLE", "WAITING"),
            "WAITING", Set.of("RUNNING", "CRASHED"),
            "CRASHED", Set.of("IDLE")));

    public static final Lifecycle WORKFLOW = new Lifecycle("workflow", Map.of(
            "STARTED", Set.of("RUNNING"),
            "RUNNING", Set.of("SLEEPING", "AWAITING", "CALLING", "LOCKING", "JOINING", "COMPLETED", "FAILED", "CANCELLED"),
            "SLEEPING", Set.of("RUNNING"),
            "AWAITING", Set.of("RUNNING"),
            "CALLING", Set.of("RUNNING"),
            "LOCKING", Set.of("RUNNING"),
            "JOINING", Set.of("RUNNING")));

    private final String name;
    private final Map<String, Set<String>> table;
    private final Set<String> exercised = ConcurrentHashMap.newKeySet();
    /** "FROM->TO" names, precomputed: move() runs for every handler and must not build strings. */
    private final Map<String, Map<String, String>> names = new java.util.HashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    private Lifecycle(String name, Map<String, Set<String>> table) {
        this.name = name;
        this.table = table;
        table.forEach((from, tos) -> {
            Map<String, String> m = new java.util.HashMap<>();
            for (String to : tos) m.put(to, from + "->" + to);
            names.put(from, m);
        });
    }

    /**
     * The last transitions validated, compared by identity of their (from, to) strings: states
     * are the callers' constants, so the hot pairs (IDLE -> RUNNING -> IDLE per handler) are
     * found without hashing. A pair is one object, so a reader on another thread sees a whole
     * pair or an older one, never half of each.
     */
    private record Pair(String from, String to) {
    }

    private final Pair[] recent = new Pair[4];
    private int recentNext;

    String move(String from, String to) {
        for (Pair p : recent) if (p != null && p.from == from && p.to == to) return to;
        Map<String, String> m = names.get(from);
        String transition = m == null ? null : m.get(to);
        if (transition == null) throw new IllegalStateException(name + " lifecycle has no transition " + from + " -> " + to);
        if (seen.size() < names.size() * 8 && !seen.contains(transition)) {
            seen.add(transition);
            exercised.add(transition);
        }
        int slot = recentNext;
        recent[slot] = new Pair(from, to);
        recentNext = (slot + 1) % recent.length;
        return to;
    }

    /** Every transition in the table, as "FROM->TO". */
    /** A transition of this table known in advance: applied with one comparison when the state is {@code from}. */
    Step step(String from, String to) {
        return new Step(from, to);
    }

    /** One transition, for a hot path (a handler starting and ending on every event). */
    final class Step {
        private final String from;
        private final String to;
        private boolean taken;

        private Step(String from, String to) {
            Map<String, String> m = names.get(from);
            if (m == null || m.get(to) == null) throw new IllegalStateException(name + " lifecycle has no transition " + from + " -> " + to);
            this.from = from;
            this.to = to;
        }

        /** The state after this transition from {@code current} (any other state goes through {@link #move}). */
        String apply(String current) {
            if (current != from) return move(current, to);
            if (!taken) {
                taken = true;
                move(from, to); // counted as exercised
            }
            return to;
        }
    }

    public Set<String> transitions() {
        Set<String> all = new TreeSet<>();
        new TreeMap<>(table).forEach((from, tos) -> tos.forEach(to -> all.add(from + "->" + to)));
        return all;
    }

    /** The transitions taken so far in this JVM. */
    public Set<String> exercised() {
        return new TreeSet<>(exercised);
    }
}
