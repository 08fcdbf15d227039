package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Context;
import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.LockFrame;

import java.time.Duration;
import java.util.List;

/**
 * What a {@code /return} query answered from outside the timeline runs in ({@link Core#query}):
 * it reads the live state and changes nothing — not the state, not the random stream, not a
 * counter — so answering it leaves the run exactly as it was (a query is never journaled, and a
 * replay must not depend on it). Anything that needs the timeline (a {@code Call} of another
 * query) throws {@link NeedsEngine}; the caller then answers on a copy of the run instead.
 */
final class QueryContext implements Context {
    /** The query needs the engine's timeline; answer it on a copy of the run. */
    static final class NeedsEngine extends RuntimeException {
        NeedsEngine() {
            super(null, null, false, false);
        }
    }

    private final Core core;
    /** A stream of its own, seeded by the engine time: the same query at the same time answers the same; the run's stream is untouched. */
    private final java.util.SplittableRandom random;

    QueryContext(Core core) {
        this.core = core;
        this.random = new java.util.SplittableRandom(core.now() * 0x9E3779B97F4A7C15L);
    }

    @Override
    public long now() {
        return core.now();
    }

    @Override
    public double random() {
        return random.nextDouble();
    }

    @Override
    public String uuid() {
        return new java.util.UUID(random.nextLong(), random.nextLong()).toString();
    }

    @Override
    public Object[] state(Fiber f) {
        return core.state(f);
    }

    @Override
    public Object instanceKey(Fiber f) {
        return core.instanceKey(f);
    }

    @Override
    public Object global(String name) {
        return core.global(name);
    }

    @Override
    public Object allInstances(int module, int slot) {
        return core.allInstances(module, slot);
    }

    @Override
    public Object stat(String name) {
        return core.stat(name);
    }

    @Override
    public Object discarded(int module, int slot) {
        return core.discarded(module, slot);
    }

    // a /return query has no effects (the checker refuses them): anything else needs the timeline

    @Override
    public void setGlobal(Fiber f, String name, Object value) {
        throw new NeedsEngine();
    }

    @Override
    public void emit(Fiber f, int event, Object payload) {
        throw new NeedsEngine();
    }

    @Override
    public String startWorkflow(Fiber f, int workflow, Object args, Object id) {
        throw new NeedsEngine();
    }

    @Override
    public void call(Fiber f, int module, Object instanceKey, int endpoint, Object args, CallOptions options) {
        throw new NeedsEngine();
    }

    @Override
    public void sleep(Fiber f, Duration d) {
        throw new NeedsEngine();
    }

    @Override
    public void await(Fiber f, int event, Ev where, Duration timeout) {
        throw new NeedsEngine();
    }

    @Override
    public Object decide(Fiber f, String provider, Object input, int attempt, dev.baton.lang.types.Type expect, List<String> checks,
                         List<String> rejected) {
        throw new NeedsEngine();
    }

    @Override
    public void countDecision(Fiber f, boolean accepted, List<String> failedChecks) {
        throw new NeedsEngine();
    }

    @Override
    public void runChild(Fiber f, int workflow, Object args, Object id) {
        throw new NeedsEngine();
    }

    @Override
    public void cancelWorkflow(Fiber f, String id) {
        throw new NeedsEngine();
    }

    @Override
    public long acquire(Fiber f, List<String> keys, Duration lease, Duration wait) {
        throw new NeedsEngine();
    }

    @Override
    public void release(Fiber f, LockFrame frame) {
        throw new NeedsEngine();
    }

    @Override
    public void checkFences(Fiber f) {
        throw new NeedsEngine();
    }

    @Override
    public void fork(Fiber f, int[] starts, List<Object> items, int itemSlot, int joinKind, int joinCount, String onFailure, String share) {
        throw new NeedsEngine();
    }

    @Override
    public void joinShared(Fiber f, String name, Duration timeout) {
        throw new NeedsEngine();
    }

    @Override
    public void retryLater(Fiber f, Duration delay) {
        throw new NeedsEngine();
    }
}
