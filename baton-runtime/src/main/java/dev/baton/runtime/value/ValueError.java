package dev.baton.runtime.value;

/**
 * A runtime error in a Baton program (type mismatch, division by zero, overflow…). The
 * interpreter attaches the statement's position and the instance; it is never shown to a
 * user as a stack trace.
 */
public class ValueError extends RuntimeException {
    public ValueError(String message) {
        super(message, null, false, false);
    }
}
