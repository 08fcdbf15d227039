package dev.baton.runtime.plan;

/** A compiled expression: evaluates against the fiber that runs it. Pure except for engine built-ins. */
@FunctionalInterface
public interface Ev {
    Object eval(Fiber f);
}
