package dev.baton.temporal;

import dev.baton.runtime.DecisionProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The decision provider of a run on Temporal, keeping each settled {@code Ask} so the report,
 * {@code GET /asks} and the console list the run's decisions as the embedded engine's answer log
 * does. The list travels through continue-as-new in the run's input ({@link RunInput#asks}),
 * bounded: the newest {@link #MAX_KEPT} decisions, or fewer when they would take more than
 * {@link #MAX_BYTES} of JSON (as the answer log keeps the newest); {@link #askedCount} counts them all. Workflow code: what it keeps is decided by the run's
 * own steps, so a replay keeps the same.
 */
final class AsksKept implements DecisionProvider {
    /** At most this many decisions are kept (the report lists as many). */
    static final int MAX_KEPT = dev.baton.runtime.RunReport.MAX_ASKS_LISTED;
    /** Nor more than this many bytes of them, so the run's input stays well inside Temporal's payload limit. */
    static final long MAX_BYTES = 256 * 1024;

    private final DecisionProvider decide;
    private final java.util.ArrayDeque<Asked> kept = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<Long> sizes = new java.util.ArrayDeque<>();
    private long count;
    private long bytes;

    AsksKept(DecisionProvider decide, List<Asked> before, long countBefore) {
        this.decide = decide;
        if (before != null) for (Asked a : before) keep(a);
        this.count = Math.max(countBefore, kept.size());
    }

    private void keep(Asked a) {
        long b = size(a);
        kept.addLast(a);
        sizes.addLast(b);
        bytes += b;
        while (kept.size() > MAX_KEPT || !kept.isEmpty() && bytes > MAX_BYTES) {
            kept.removeFirst();
            bytes -= sizes.removeFirst();
        }
    }

    /** About how many bytes of JSON {@code a} takes in the run's input. */
    static long size(Asked a) {
        return dev.baton.runtime.Json.write(dev.baton.runtime.Json.toPlain(java.util.Arrays.asList(a.input(), a.taken(), a.tries().toString()))).length()
                + 200L;
    }

    @Override
    public Object decide(String provider, Map<String, Object> config, Object input, int attempt, DoubleSupplier random) {
        return decide.decide(provider, config, input, attempt, random);
    }

    @Override
    public Object decide(Request r) {
        return decide.decide(r);
    }

    @Override
    public boolean deterministic(Request r) {
        return decide.deterministic(r);
    }

    @Override
    public void settled(Asked asked) {
        count++;
        keep(asked);
    }

    @Override
    public List<Asked> asked() {
        return List.copyOf(kept);
    }

    @Override
    public long askedCount() {
        return count;
    }

    /** The decisions kept, to carry into the next run of the chain. */
    List<Asked> keptForNext() {
        return new ArrayList<>(kept);
    }
}
