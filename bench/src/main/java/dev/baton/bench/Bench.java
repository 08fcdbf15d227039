package dev.baton.bench;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;

/** Shared helpers for the benchmarks. */
final class Bench {
    private Bench() {
    }

    static Plan plan(String name, String source) {
        CheckResult r = Baton.check(name, source);
        if (r.hasErrors()) throw new IllegalStateException("benchmark program does not check: " + r.diagnostics().get(0).headline());
        try {
            return Compiler.compile(r);
        } catch (Compiler.PlanException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The last report of each engine and its best wall time in seconds, from {@link #race}. */
    record Race(dev.baton.runtime.RunReport embedded, double embeddedSeconds, dev.baton.runtime.RunReport temporal, double temporalSeconds) {
        double ratio() {
            return temporalSeconds / embeddedSeconds;
        }
    }

    /**
     * Runs the embedded engine and then the Temporal engine {@code rounds} times each, alternating,
     * and keeps the best wall time of each; the two runs must end with the same trace (else the
     * numbers would be of different runs).
     */
    static Race race(int rounds, java.util.concurrent.Callable<dev.baton.runtime.RunReport> embedded,
                     java.util.concurrent.Callable<dev.baton.runtime.RunReport> temporal) throws Exception {
        double bestEmbedded = Double.MAX_VALUE;
        double bestTemporal = Double.MAX_VALUE;
        dev.baton.runtime.RunReport e = null;
        dev.baton.runtime.RunReport t = null;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            e = embedded.call();
            bestEmbedded = Math.min(bestEmbedded, (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            t = temporal.call();
            bestTemporal = Math.min(bestTemporal, (System.nanoTime() - t0) / 1e9);
        }
        if (!e.traceHash().equals(t.traceHash())) throw new IllegalStateException("the engines' runs differ: " + e.traceHash() + " vs " + t.traceHash());
        return new Race(e, bestEmbedded, t, bestTemporal);
    }

    static String machine() {
        return "Java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors() + " cores, max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB";
    }
}
