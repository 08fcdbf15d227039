package dev.baton.runtime.plan;

import dev.baton.runtime.value.ValueError;

/**
 * A declared failure — {@code Fail "reason"}, or a call, branch or child workflow that
 * failed because of one. Reported as a failure of the program's logic, not as a runtime
 * error (which means a bug: a type mismatch, a division by zero…).
 */
public class Failure extends ValueError {
    public Failure(String message) {
        super(message);
    }
}
