package dev.baton.runtime.internal.compile;

import dev.baton.runtime.plan.Context;
import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The context of compile-time constants: parameters can be read; nothing else exists yet. */
final class ParamsOnly implements Context {
    private final Map<String, Object> params;

    ParamsOnly(Map<String, Object> params) {
        this.params = params;
    }

    @Override
    public Object global(String name) {
        Object v = params.get(name);
        if (v == null) throw new ValueError("$" + name + " is not a parameter, so it has no value before the run starts");
        return v;
    }

    private static ValueError notConstant() {
        return new ValueError("not a constant");
    }

    @Override
    public long now() {
        throw notConstant();
    }

    @Override
    public double random() {
        throw notConstant();
    }

    @Override
    public String uuid() {
        throw notConstant();
    }

    @Override
    public Object[] state(Fiber f) {
        throw notConstant();
    }

    @Override
    public Object instanceKey(Fiber f) {
        return None.NONE;
    }

    @Override
    public void setGlobal(Fiber f, String name, Object value) {
        throw notConstant();
    }

    @Override
    public void emit(Fiber f, int event, Object payload) {
        throw notConstant();
    }

    @Override
    public String startWorkflow(Fiber f, int workflow, Object args, Object id) {
        throw notConstant();
    }

    @Override
    public void call(Fiber f, int module, Object instanceKey, int endpoint, Object args, CallOptions options) {
        throw notConstant();
    }

    @Override
    public void sleep(Fiber f, Duration d) {
        throw notConstant();
    }

    @Override
    public void await(Fiber f, int event, Ev where, Duration timeout) {
        throw notConstant();
    }

    @Override
    public Object decide(Fiber f, String provider, Object input, int attempt, dev.baton.lang.types.Type expect, List<String> checks,
                         List<String> rejected) {
        throw notConstant();
    }

    @Override
    public void countDecision(Fiber f, boolean accepted, List<String> failedChecks) {
        throw notConstant();
    }

    @Override
    public void runChild(Fiber f, int workflow, Object args, Object id) {
        throw notConstant();
    }

    @Override
    public void cancelWorkflow(Fiber f, String id) {
        throw notConstant();
    }

    @Override
    public long acquire(Fiber f, List<String> keys, Duration lease, Duration wait) {
        throw notConstant();
    }

    @Override
    public void release(Fiber f, LockFrame frame) {
        throw notConstant();
    }

    @Override
    public void checkFences(Fiber f) {
        throw notConstant();
    }

    @Override
    public void fork(Fiber f, int[] starts, List<Object> items, int itemSlot, int joinKind, int joinCount, String onFailure, String share) {
        throw notConstant();
    }

    @Override
    public void joinShared(Fiber f, String name, Duration timeout) {
        throw notConstant();
    }

    @Override
    public void retryLater(Fiber f, Duration delay) {
        throw notConstant();
    }

    @Override
    public Object allInstances(int module, int slot) {
        throw notConstant();
    }

    @Override
    public Object discarded(int module, int slot) {
        throw notConstant();
    }

    @Override
    public Object stat(String name) {
        throw notConstant();
    }
}
