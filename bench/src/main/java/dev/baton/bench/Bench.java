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

    static String machine() {
        return "Java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors() + " cores, max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB";
    }
}
